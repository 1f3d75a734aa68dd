"""What a result becomes for people: the annotated video, the plot, frames.csv, the text summary, the
batch report, the words for flags.
"""
