import Foundation

/// The clock a transport reads to stamp messages and to decide when scheduled messages and retries are due.
///
/// `InMemoryTransport` takes one so that tests can drive time themselves (`ManualTransportClock`).
public protocol TransportClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `now() >= deadline`. Throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The wall clock (`Date()`), sleeping with `Task.sleep`.
public struct SystemTransportClock: TransportClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        // Task.sleep measures a monotonic clock: loop in case the wall clock moved meanwhile.
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(remaining))
        }
    }
}

extension Duration {
    /// The duration in seconds, as Foundation counts them.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
