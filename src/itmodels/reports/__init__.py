"""Reports: the one-page proposal (PDF), the HTML report, their text, the bundle."""
