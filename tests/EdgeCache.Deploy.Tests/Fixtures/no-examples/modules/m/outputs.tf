# outputs
