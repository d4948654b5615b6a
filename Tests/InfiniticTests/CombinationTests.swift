import Foundation
import Infinitic
import Testing

/// Deferreds of different types combined (`map`, `context.all`, `context.first(of:)`), another method of the same
/// instance dispatched with `dispatch(this:)`, and `context.random` across workflow tasks, through the engines.
@Workflow protocol Combos: Sendable {
    func mixed(_ guest: String) async throws -> [String]
    func stamp(_ text: String) async throws -> String
}

struct CombosImpl: Combos, WorkflowImplementation {
    let context: WorkflowContext
    /// The number drawn by the first replay.
    @WorkflowProperty("firstDraw") var firstDraw: Int? = nil

    init(context: WorkflowContext) {
        self.context = context
    }

    func mixed(_ guest: String) async throws -> [String] {
        var random = context.random
        let drawn = Int.random(in: 0..<1_000_000, using: &random)
        if firstDraw == nil { firstDraw = drawn }
        let hotel = context.service(HotelBookingStub.self)
        let payment = context.service(PaymentStub.self)
        let booking = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest)) }
        let declined = try await context.dispatch { try await payment.charge(900, "EUR") }
        let charged = try await context.dispatch { try await payment.charge(10, "EUR") }

        // (booking and declined) or charged: the `and` fails, so `charged` wins, mapped to another type.
        let (pair, length) = try await context.first(of: context.all(booking, declined), charged.map(\.count)).value
        // (booking and charged) or declined: the `and` wins.
        let (both, failed) = try await context.first(of: context.all(booking, charged), declined).value
        let stamp = try await context.dispatch(this: CombosStub.stamp, guest)
        let (reference, receipt) = try await context.all(booking.map(\.reference), charged).value
        return [
            pair == nil ? "no pair" : "pair", length.map(String.init) ?? "-",
            both.map { "\($0.0.reference)+\($0.1)" } ?? "-",
            failed ?? "not declined", try await stamp.value, reference, receipt,
            drawn == firstDraw ? "same draw on every replay" : "another draw",
        ]
    }

    func stamp(_ text: String) async throws -> String {
        "stamped \(text)"
    }
}

@Suite struct CombinationTests {
    @Test func mixedCombinationsAndDispatchOnThisInstance() async throws {
        let loop = EngineLoop(workflows: [WorkflowDefinition(CombosStub.self, implementation: CombosImpl.self)])
        let id = try loop.startWorkflow("Combos", method: "mixed", arguments: loop.codec.arguments("zoe"))
        try await loop.run()
        #expect(
            try loop.result([String].self, workflowId: id) == [
                "no pair", "14", "H-zoe-1+charged 10 EUR", "not declined", "stamped zoe", "H-zoe-1", "charged 10 EUR",
                "same draw on every replay",
            ])
        #expect(try loop.state(id, workflowName: "Combos") == nil)
    }

    @Test func registrationIsTiedToTheContract() {
        // `ServiceDefinition(CurrencyStub.self, implementation: Hotels())` does not compile: the implementation is
        // taken as the contract's existential.
        #expect(CurrencyStub.Implementation.self == (any Currency).self)
        #expect(CombosStub.Implementation.self == (any Combos).self)
        #expect(WorkflowDefinition(CombosStub.self, implementation: CombosImpl.self).methodNames == ["mixed", "stamp"])
    }
}
