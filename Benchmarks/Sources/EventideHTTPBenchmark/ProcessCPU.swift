#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The CPU time this process has used (user and system, all threads), in microseconds: the server's cost of a
/// measurement, whatever else the machine runs (wrk is another process and is not counted).
enum ProcessCPU {
    #if canImport(Glibc)
        typealias Who = __rusage_who_t
        static let selfWho = Who(RUSAGE_SELF.rawValue)
        static let childrenWho = Who(RUSAGE_CHILDREN.rawValue)
    #else
        typealias Who = Int32
        static let selfWho = RUSAGE_SELF
        static let childrenWho = RUSAGE_CHILDREN
    #endif

    static func now() -> Double { micros(selfWho) }

    /// The CPU time of this process's child processes that have ended and been waited for (each wrk run): the
    /// load client's cost, when the client is wrk.
    static func children() -> Double { micros(childrenWho) }

    private static func micros(_ who: Who) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }
}
