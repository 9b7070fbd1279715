import Eventide

/// The tests' name for the runtime's `ManualClock`: a clock that moves only when the test advances it.
public typealias TestClock = ManualClock
