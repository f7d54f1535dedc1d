"""Writers of the synthetic population's source files, one module per format."""
