"""What is checked and how it is judged: cases, checks, the judge, tolerances, locator."""
