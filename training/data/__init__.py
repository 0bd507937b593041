"""Training data: the synthetic character generator, folder data sets, hint simulation."""
