"""Ways to run whisperd as many replicas behind one address (``whisperd[ray]``)."""
