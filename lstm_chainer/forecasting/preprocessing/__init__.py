"""What the data goes through around the network: reversible transforms
and their choice, scaling, per-series preparation, calendar features and
the inputs of a global model."""
