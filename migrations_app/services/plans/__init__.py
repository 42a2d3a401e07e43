"""Rules and steps of the environment operation plans, one module per plan kind."""
