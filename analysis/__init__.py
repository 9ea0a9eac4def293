"""Supply semantics and everything computed from them: SPOFs, cut sets, probability,
importance, chokepoints, concentration, scenarios and reports.  Pure functions over NetworkX
graphs; no store, no I/O."""
