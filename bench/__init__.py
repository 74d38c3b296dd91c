"""`make bench`: each budget of DESIGN.md section 5 measured beside its baseline, in one run."""
