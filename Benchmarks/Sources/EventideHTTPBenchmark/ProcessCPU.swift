#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The CPU time this process has used (user and system, all threads), in microseconds: the server's cost of a
/// measurement, whatever else the machine runs (wrk is another process and is not counted).
enum ProcessCPU {
    #if canImport(Glibc)
        static let selfWho = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
        static let selfWho = RUSAGE_SELF
    #endif

    static func now() -> Double {
        var usage = rusage()
        getrusage(selfWho, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }
}
