"""torch.nn modules of every network family, and the model file format."""
