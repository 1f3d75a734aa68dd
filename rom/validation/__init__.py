"""Ground truth and `rom validate`: results compared with the truth of rendered or hand-labelled clips."""
