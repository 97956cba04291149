"""Results as text (one table renderer), JSON, a plot and a reproduction bundle."""
