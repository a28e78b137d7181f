namespace onyx {}
