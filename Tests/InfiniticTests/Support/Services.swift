import Foundation
import Infinitic

struct BookingRequest: Codable, Sendable, Hashable {
    var guest: String
    var nights: Int = 1
}

struct BookingResult: Codable, Sendable, Hashable {
    var provider: String
    var reference: String
}

// MARK: hotel

protocol HotelBooking: Sendable {
    func book(_ request: BookingRequest) async throws -> BookingResult
    func cancel(_ reference: String) async throws
}

/// What a `@Service` macro would generate.
struct HotelBookingStub: HotelBooking, ServiceStub {
    typealias Contract = any HotelBooking
    typealias Implementation = any HotelBooking
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func book(_ request: BookingRequest) async throws -> BookingResult { try await invoker.call("book", request) }
    func cancel(_ reference: String) async throws { try await invoker.call("cancel", reference) }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("book") { $0.book(_:) }
        table.add("cancel") { $0.cancel(_:) }
    }
}

struct HotelBookingImpl: HotelBooking {
    func book(_ request: BookingRequest) async throws -> BookingResult {
        BookingResult(provider: "hotel", reference: "H-\(request.guest)-\(request.nights)")
    }
    func cancel(_ reference: String) async throws {}
}

// MARK: flight

protocol FlightBooking: Sendable {
    func book(_ request: BookingRequest) async throws -> BookingResult
}

struct FlightBookingStub: FlightBooking, ServiceStub {
    typealias Contract = any FlightBooking
    typealias Implementation = any FlightBooking
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func book(_ request: BookingRequest) async throws -> BookingResult { try await invoker.call("book", request) }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("book") { $0.book(_:) }
    }
}

struct FlightBookingImpl: FlightBooking {
    func book(_ request: BookingRequest) async throws -> BookingResult {
        BookingResult(provider: "flight", reference: "F-\(request.guest)")
    }
}

// MARK: payment (fails on large amounts; two arguments)

struct PaymentDeclined: Error, Codable, Hashable {
    var reason: String
    var amount: Int
}

protocol Payment: Sendable {
    func charge(_ amount: Int, _ currency: String) async throws -> String
}

struct PaymentStub: Payment, ServiceStub {
    typealias Contract = any Payment
    typealias Implementation = any Payment
    static var serviceName: String { "PaymentService" }  // overrides the default name
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func charge(_ amount: Int, _ currency: String) async throws -> String {
        try await invoker.call("charge", amount, currency)
    }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("charge") { $0.charge(_:_:) }
    }
}

struct PaymentImpl: Payment {
    func charge(_ amount: Int, _ currency: String) async throws -> String {
        guard amount <= 500 else { throw PaymentDeclined(reason: "over limit", amount: amount) }
        return "charged \(amount) \(currency)"
    }
}

// MARK: flaky (fails on its first two attempts) and probe (reports its TaskContext)

struct Glitch: Error, Codable {
    var attempt: Int
}

protocol Flaky: Sendable {
    func attempt(_ label: String) async throws -> String
}

struct FlakyStub: Flaky, ServiceStub {
    typealias Contract = any Flaky
    typealias Implementation = any Flaky
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func attempt(_ label: String) async throws -> String { try await invoker.call("attempt", label) }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("attempt") { $0.attempt(_:) }
    }
}

struct FlakyImpl: Flaky {
    func attempt(_ label: String) async throws -> String {
        let retryIndex = TaskContext.current?.retryIndex ?? -1
        guard retryIndex >= 2 else { throw Glitch(attempt: retryIndex) }
        return "\(label) after \(retryIndex) retries"
    }
}

protocol Probe: Sendable {
    func describe() async throws -> String
}

struct ProbeStub: Probe, ServiceStub {
    typealias Contract = any Probe
    typealias Implementation = any Probe
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func describe() async throws -> String { try await invoker.call("describe") }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("describe") { $0.describe }
    }
}

struct ProbeImpl: Probe {
    func describe() async throws -> String {
        guard let context = TaskContext.current else { return "no context" }
        return [
            context.serviceName, context.methodName, context.workflowName ?? "-",
            context.tags.sorted().joined(separator: ","),
            context.meta["origin"] ?? "-", "retry \(context.retryIndex)/\(context.retrySequence)",
            context.workflowId == nil ? "no workflow id" : "with workflow id",
        ].joined(separator: " ")
    }
}

enum Fixtures {
    static var services: [ServiceDefinition] {
        [
            ServiceDefinition(HotelBookingStub.self, implementation: HotelBookingImpl()),
            ServiceDefinition(FlightBookingStub.self, implementation: FlightBookingImpl()),
            ServiceDefinition(PaymentStub.self, implementation: PaymentImpl()),
            ServiceDefinition(
                FlakyStub.self, implementation: FlakyImpl(),
                retryPolicy: RetryPolicy(minimumSeconds: 1, randomFactor: 0, maximumRetries: 3)),
            ServiceDefinition(ProbeStub.self, implementation: ProbeImpl()),
        ]
    }
}
