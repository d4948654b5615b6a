import Foundation
import Infinitic
import Synchronization
import Testing

// Contracts written with `@Service` and `@Workflow`; the hand-written fixtures in Support/ stay as they are.

/// The contract of the hand-written `HotelBooking`, under another Swift name: its generated stub reaches the
/// hand-registered "HotelBooking" service.
@Service(name: "HotelBooking") protocol MacroHotelBooking: Sendable {
    func book(_ request: BookingRequest) async throws -> BookingResult
    func cancel(_ reference: String) async throws
}

/// Labels, unnamed parameters and a `Void` result.
@Service protocol Currency: Sendable {
    func convert(_ amount: Int, from source: String, to target: String) async throws -> Int
    func record(_: String, amount _: Int) async throws
    func rates() async throws -> [String: Int]
}

/// A second contract of `CurrencyImpl`: each stub registers its own contract's methods.
@Service protocol Refunds: Sendable {
    func refund(_ amount: Int) async throws -> Int
}

struct CurrencyImpl: Currency, Refunds {
    let recorded = RecordedCharges()

    func convert(_ amount: Int, from source: String, to target: String) async throws -> Int {
        source == target ? amount : amount * 9 / 10
    }

    func record(_ guest: String, amount: Int) async throws {
        recorded.append("\(guest): \(amount)")
    }

    func rates() async throws -> [String: Int] { ["USD": 90] }

    func refund(_ amount: Int) async throws -> Int { -amount }
}

final class RecordedCharges: Sendable {
    private let values = Mutex<[String]>([])
    func append(_ value: String) { values.withLock { $0.append(value) } }
    var all: [String] { values.withLock { $0 } }
}

@Workflow(name: "Checkout") protocol MacroCheckout: Sendable {
    func checkout(_ guest: String, amount: Int) async throws -> [String]
    func note(_ text: String) async throws -> Int
}

struct MacroCheckoutImpl: MacroCheckout {
    let context: WorkflowContext
    @WorkflowProperty("notes") var notes: [String] = []

    func checkout(_ guest: String, amount: Int) async throws -> [String] {
        let hotel = context.service(MacroHotelBookingStub.self)
        let currency: CurrencyStub = context.service()
        let booking = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest, nights: 2)) }
        let euros = try await currency.convert(amount, from: "USD", to: "EUR")
        try await currency.record(guest, amount: euros)
        let count = try await context.thisWorkflow(MacroCheckoutStub.self).note("paid \(euros)")
        let cancellation = try await context.dispatch { try await hotel.cancel("H-\(guest)-0") }
        _ = try await cancellation.value
        return [try await booking.value.reference, "\(euros) EUR", "\(count) note"] + notes
    }

    func note(_ text: String) async throws -> Int {
        notes.append(text)
        return notes.count
    }
}

/// Macro-generated stubs and method tables, end to end.
@Suite struct MacroTests {
    let codec = JSONPayloadCodec()

    @Test func generatedStubsAreNamedLikeHandWrittenOnes() {
        #expect(MacroHotelBookingStub.serviceName == HotelBookingStub.serviceName)
        #expect(CurrencyStub.serviceName == "Currency")
        #expect(MacroCheckoutStub.workflowName == "Checkout")
        let currency = ServiceDefinition(CurrencyStub.self, implementation: CurrencyImpl())
        #expect(currency.name == "Currency" && currency.methodNames == ["convert", "record", "rates"])
        let refunds = ServiceDefinition(RefundsStub.self, implementation: CurrencyImpl())
        #expect(refunds.name == "Refunds" && refunds.methodNames == ["refund"])
        // Default names are computed once per contract (`ContractNames`): read again, each keeps its own.
        #expect(CurrencyStub.serviceName == "Currency" && RefundsStub.serviceName == "Refunds")
    }

    @Test func aGeneratedStubSendsWhatAHandWrittenOneSends() async throws {
        final class Recorder: InvocationHandler {
            let calls = Mutex<[String]>([])
            func invoke(_ target: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
                calls.withLock { $0.append("\(target) \(method) \(arguments)") }
                return try JSONPayloadCodec().payload(BookingResult(provider: "p", reference: method))
            }
        }
        let recorder = Recorder()
        let invoker = StubInvoker(
            target: .service(name: "HotelBooking", tags: ["t"], meta: [:]), handler: recorder, codec: codec)
        let request = BookingRequest(guest: "ann", nights: 3)
        #expect(
            try await HotelBookingStub(invoker: invoker).book(request)
                == MacroHotelBookingStub(invoker: invoker).book(request))
        try await HotelBookingStub(invoker: invoker).cancel("H-1")
        try await MacroHotelBookingStub(invoker: invoker).cancel("H-1")
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.count == 4 && calls[0] == calls[1] && calls[2] == calls[3])
    }

    @Test func aGeneratedMethodTableDecodesArgumentsByPosition() async throws {
        let implementation = CurrencyImpl()
        let currency = ServiceDefinition(CurrencyStub.self, implementation: implementation)
        let converted = try await currency.invoke(
            method: "convert", arguments: codec.arguments(100, "USD", "EUR"), codec: codec)
        #expect(try codec.value(Int.self, from: converted) == 90)
        #expect(try await currency.invoke(method: "record", arguments: codec.arguments("bo", 7), codec: codec) == .void)
        #expect(implementation.recorded.all == ["bo: 7"])
        await #expect(throws: InvocationError.self) {
            try await currency.invoke(method: "record", arguments: codec.arguments("bo"), codec: codec)
        }
    }

    @Test func aGeneratedWorkflowCallsGeneratedAndHandWrittenServicesThroughTheEngines() async throws {
        let currency = CurrencyImpl()
        let loop = EngineLoop(
            workflows: [WorkflowDefinition(MacroCheckoutStub.self) { MacroCheckoutImpl(context: $0) }],
            services: Fixtures.services + [ServiceDefinition(CurrencyStub.self, implementation: currency)])
        let id = try loop.startWorkflow("Checkout", method: "checkout", arguments: loop.codec.arguments("ada", 100))
        try await loop.run()
        #expect(try loop.result([String].self, workflowId: id) == ["H-ada-2", "90 EUR", "1 note", "paid 90"])
        #expect(currency.recorded.all == ["ada: 90"])
        #expect(try loop.state(id, workflowName: "Checkout") == nil, "the state is deleted once everything ended")
    }
}
