"""The generated story: beats chosen by salience from a region's numbers, told in nb, nn and en."""
