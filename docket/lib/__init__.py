"""Small helpers shared by Docket's apps."""
