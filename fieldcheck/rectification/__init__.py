"""What follows from the grade: reminder talks, rectification lists, the unit's own view, next year's carry-over."""
