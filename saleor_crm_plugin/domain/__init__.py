"""Pure domain rules. Nothing in this package may import Django or Saleor."""
