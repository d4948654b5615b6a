import Foundation
import Infinitic
import Synchronization

// MARK: - Contracts, shared by callers (workflows) and implementations

// `@Service` generates each contract's stub (`HotelServiceStub`...), which workflows call and workers register
// implementations with (`ServiceDefinition(HotelServiceStub.self, implementation: Hotels())` compiles only if
// `Hotels` is a `HotelService`).

/// Books and cancels hotel rooms.
@Service public protocol HotelService: Sendable {
    func book(_ trip: Trip) async throws -> Booking
    func cancel(_ reference: String) async throws
}

/// Books and cancels flights.
@Service public protocol FlightService: Sendable {
    func book(_ trip: Trip) async throws -> Booking
    func cancel(_ reference: String) async throws
}

/// Charges customers.
@Service public protocol PaymentService: Sendable {
    func charge(_ customer: String, _ amount: Int) async throws -> String
}

// MARK: - Implementations (plain Swift; they would call real providers)

/// A hotel provider that is sometimes briefly unavailable on a first attempt.
public struct Hotels: HotelService {
    /// Probability that a first attempt fails with `ProviderUnavailable`.
    public var glitchRate: Double
    public var latency: Duration
    /// A downstream outage: every booking attempt fails with `ProviderUnavailable`, so the retry policy gives
    /// up and the trip's method fails, to be retried from a client (`retryTasks`) once the outage is over.
    public var outage: Bool

    public init(glitchRate: Double = 0.2, latency: Duration = .milliseconds(20), outage: Bool = false) {
        self.glitchRate = glitchRate
        self.latency = latency
        self.outage = outage
    }

    public func book(_ trip: Trip) async throws -> Booking {
        try await Task.sleep(for: latency)
        if outage { throw ProviderUnavailable(provider: "hotel") }
        let context = TaskContext.current
        if (context?.retryIndex ?? 0) == 0 && Double.random(in: 0..<1) < glitchRate {
            throw ProviderUnavailable(provider: "hotel")
        }
        // The task id is stable across retries: a real provider would use it as an idempotency key.
        let reference = "H-\(trip.destination.prefix(3).uppercased())-\(context?.taskId.prefix(6) ?? "local")"
        return Booking(provider: "hotel", reference: reference)
    }

    public func cancel(_ reference: String) async throws {
        try await Task.sleep(for: latency)
    }
}

public struct Flights: FlightService {
    public var latency: Duration

    public init(latency: Duration = .milliseconds(30)) {
        self.latency = latency
    }

    public func book(_ trip: Trip) async throws -> Booking {
        try await Task.sleep(for: latency)
        let id = TaskContext.current?.taskId.prefix(6) ?? "local"
        return Booking(provider: "flight", reference: "F-\(trip.destination.prefix(3).uppercased())-\(id)")
    }

    public func cancel(_ reference: String) async throws {
        try await Task.sleep(for: latency)
    }
}

/// Declines any charge above `limit`.
public struct Payments: PaymentService {
    public var limit: Int

    public init(limit: Int = 2_000) {
        self.limit = limit
    }

    public func charge(_ customer: String, _ amount: Int) async throws -> String {
        guard amount <= limit else { throw PaymentDeclined(amount: amount, limit: limit) }
        return "receipt \(customer)/\(amount) EUR"
    }
}
