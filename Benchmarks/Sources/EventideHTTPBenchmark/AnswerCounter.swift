import EventideHTTP
import Hummingbird
import Synchronization

/// Counts the 2xx answers the server sends and when the first request of a measurement arrived and the last
/// answer left, so rates are measured by the server, whichever client sent the load (wrk runs for its whole
/// `-d` even when the request bound stopped it earlier, so its own duration cannot give the rate).
final class AnswerCounter: Sendable {
    struct Window: Sendable {
        var answers = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?

        /// Answers per second between the first request's arrival and the last answer.
        var rate: Double {
            guard let first, let last, last > first else { return 0 }
            let elapsed = (last - first).components
            return Double(answers) / (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
    }

    private let window = Mutex(Window())

    /// Starts a new measurement.
    func reset() { window.withLock { $0 = Window() } }

    var current: Window { window.withLock { $0 } }

    func record(arrived: ContinuousClock.Instant, answered: ContinuousClock.Instant, status: HTTPResponse.Status) {
        window.withLock { window in
            window.first = min(window.first ?? arrived, arrived)
            guard (200..<300).contains(status.code) else { return }
            window.answers += 1
            window.last = max(window.last ?? answered, answered)
        }
    }
}

/// The middleware that feeds an `AnswerCounter` (registered first, so it wraps every route).
struct AnswerCounting: HTTPComponent, RouterMiddleware {
    typealias Context = EventideRequestContext
    let counter: AnswerCounter

    func register(on router: Router<EventideRequestContext>) { router.add(middleware: self) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let arrived = ContinuousClock.now
        let response = try await next(request, context)
        counter.record(arrived: arrived, answered: .now, status: response.status)
        return response
    }
}
