"""Charts: the numbers behind each chart, its takeaway sentence, the house style and the plots."""
