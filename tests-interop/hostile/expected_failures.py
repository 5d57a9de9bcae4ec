"""Known defects the suite finds that are not fixed yet: (category, case name) -> reason, printed in the summary.
A case listed here that passes is reported as XPASS (remove it from this list)."""
EXPECTED = {
}
