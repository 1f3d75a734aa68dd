"""`rom batch`: many videos measured in parallel worker processes, resumably."""
