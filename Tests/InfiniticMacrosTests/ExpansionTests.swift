import InfiniticMacros
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

let contractMacros: [String: any Macro.Type] = ["Service": ServiceMacro.self, "Workflow": WorkflowMacro.self]

/// What `@Service` and `@Workflow` generate: the stub users wrote by hand, and the method table.
final class ExpansionTests: XCTestCase {
    func testAServiceGetsAStubAndAMethodTableWithItsAccessLevel() {
        assertMacroExpansion(
            """
            /// Books hotels.
            @Service public protocol HotelService: Sendable {
                /// Books a room.
                func book(_ trip: Trip) async throws -> Booking
                func cancel(_ reference: String) async throws
            }
            """,
            expandedSource: """
                /// Books hotels.
                public protocol HotelService: Sendable {
                    /// Books a room.
                    func book(_ trip: Trip) async throws -> Booking
                    func cancel(_ reference: String) async throws
                }

                public struct HotelServiceStub: HotelService, ServiceStub {
                    public typealias Contract = any HotelService
                    public typealias Implementation = any HotelService
                    public let invoker: StubInvoker
                    public init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    public func book(_ trip: Trip) async throws -> Booking {
                        try await invoker.call("book", trip)
                    }
                    public func cancel(_ reference: String) async throws {
                        try await invoker.call("cancel", reference)
                    }
                    public static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("book") {
                            $0.book(_:)
                        }
                        table.add("cancel") {
                            $0.cancel(_:)
                        }
                    }
                }
                """,
            macros: contractMacros)
    }

    func testNameOverrideLabelsUnnamedParametersAndVoidResults() {
        assertMacroExpansion(
            """
            @Service(name: "PaymentService") protocol Payments: Sendable {
                typealias Amount = Int
                func charge(_ customer: String, amount: Amount, in currency: String) async throws -> String
                func refund(_: String, reason _: String) async throws -> Void
                func ping() async throws -> ()
                @discardableResult func log(invoker: String) async throws -> Int
                func `default`() async throws -> [String: Int]
            }
            """,
            expandedSource: """
                protocol Payments: Sendable {
                    typealias Amount = Int
                    func charge(_ customer: String, amount: Amount, in currency: String) async throws -> String
                    func refund(_: String, reason _: String) async throws -> Void
                    func ping() async throws -> ()
                    @discardableResult func log(invoker: String) async throws -> Int
                    func `default`() async throws -> [String: Int]
                }

                struct PaymentsStub: Payments, ServiceStub {
                    typealias Contract = any Payments
                    typealias Implementation = any Payments
                    static var serviceName: String {
                        "PaymentService"
                    }
                    let invoker: StubInvoker
                    init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    func charge(_ customer: String, amount: Amount, in currency: String) async throws -> String {
                        try await invoker.call("charge", customer, amount, currency)
                    }
                    func refund(_ argument0: String, reason argument1: String) async throws -> Void {
                        try await invoker.call("refund", argument0, argument1)
                    }
                    func ping() async throws -> () {
                        try await invoker.call("ping")
                    }
                    @discardableResult func log(invoker: String) async throws -> Int {
                        try await self.invoker.call("log", invoker)
                    }
                    func `default`() async throws -> [String: Int] {
                        try await invoker.call("default")
                    }
                    static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("charge") {
                            $0.charge(_:amount:in:)
                        }
                        table.add("refund") {
                            $0.refund(_:reason:)
                        }
                        table.add("ping") {
                            $0.ping
                        }
                        table.add("log") {
                            $0.log(invoker:)
                        }
                        table.add("default") {
                            $0.`default`
                        }
                    }
                }
                """,
            macros: contractMacros)
    }

    func testAWorkflowNotDeclaredSendableRegistersSendableImplementations() {
        assertMacroExpansion(
            """
            @Workflow(name: Names.bookTrip) protocol BookTrip {
                func run(_ trip: Trip) async throws -> TripResult
                func progress() async throws -> String
            }
            """,
            expandedSource: """
                protocol BookTrip {
                    func run(_ trip: Trip) async throws -> TripResult
                    func progress() async throws -> String
                }

                struct BookTripStub: BookTrip, WorkflowStub {
                    typealias Contract = any BookTrip
                    typealias Implementation = any BookTrip & Sendable
                    typealias ImplementationType = any (BookTrip & WorkflowImplementation).Type
                    static var workflowName: String {
                        Names.bookTrip
                    }
                    let invoker: StubInvoker
                    init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    func run(_ trip: Trip) async throws -> TripResult {
                        try await invoker.call("run", trip)
                    }
                    func progress() async throws -> String {
                        try await invoker.call("progress")
                    }
                    static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("run") {
                            $0.run(_:)
                        }
                        table.add("progress") {
                            $0.progress
                        }
                    }
                    static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {
                        type.init(context: context)
                    }
                }
                """,
            macros: contractMacros)
    }

    func testAccessLevels() {
        assertMacroExpansion(
            """
            @Workflow(name: nil) package protocol A: Swift.Sendable {
                func run() async throws
            }
            @Service private protocol B: Sendable {
                func run() async throws
            }
            @Service fileprivate protocol C: Sendable {}
            """,
            expandedSource: """
                package protocol A: Swift.Sendable {
                    func run() async throws
                }

                package struct AStub: A, WorkflowStub {
                    package typealias Contract = any A
                    package typealias Implementation = any A
                    package typealias ImplementationType = any (A & WorkflowImplementation).Type
                    package let invoker: StubInvoker
                    package init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    package func run() async throws {
                        try await invoker.call("run")
                    }
                    package static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("run") {
                            $0.run
                        }
                    }
                    package static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {
                        type.init(context: context)
                    }
                }
                private protocol B: Sendable {
                    func run() async throws
                }

                private struct BStub: B, ServiceStub {
                    typealias Contract = any B
                    typealias Implementation = any B
                    let invoker: StubInvoker
                    init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    func run() async throws {
                        try await invoker.call("run")
                    }
                    static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("run") {
                            $0.run
                        }
                    }
                }
                fileprivate protocol C: Sendable {}

                fileprivate struct CStub: C, ServiceStub {
                    typealias Contract = any C
                    typealias Implementation = any C
                    let invoker: StubInvoker
                    init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    static func register(_ table: inout MethodTable<Implementation>) {
                    }
                }
                """,
            macros: contractMacros)
    }

    func testANestedContract() {
        assertMacroExpansion(
            """
            enum Travel {
                @Service public protocol Hotels: Sendable {
                    func book(_ trip: Trip) async throws -> Booking
                }
            }
            """,
            expandedSource: """
                enum Travel {
                    public protocol Hotels: Sendable {
                        func book(_ trip: Trip) async throws -> Booking
                    }

                    public struct HotelsStub: Hotels, ServiceStub {
                        public typealias Contract = any Hotels
                        public typealias Implementation = any Hotels
                        public let invoker: StubInvoker
                        public init(invoker: StubInvoker) {
                            self.invoker = invoker
                        }
                        public func book(_ trip: Trip) async throws -> Booking {
                            try await invoker.call("book", trip)
                        }
                        public static func register(_ table: inout MethodTable<Implementation>) {
                            table.add("book") {
                                $0.book(_:)
                            }
                        }
                    }
                }
                """,
            macros: contractMacros)
    }

    func testASignatureOverSeveralLines() {
        assertMacroExpansion(
            """
            @Service protocol Payments: Sendable {
                func charge(
                    _ customer: String,  // who pays
                    amount: Int
                ) async throws -> String
            }
            """,
            expandedSource: """
                protocol Payments: Sendable {
                    func charge(
                        _ customer: String,  // who pays
                        amount: Int
                    ) async throws -> String
                }

                struct PaymentsStub: Payments, ServiceStub {
                    typealias Contract = any Payments
                    typealias Implementation = any Payments
                    let invoker: StubInvoker
                    init(invoker: StubInvoker) {
                        self.invoker = invoker
                    }
                    func charge(_ customer: String, amount: Int) async throws -> String {
                        try await invoker.call("charge", customer, amount)
                    }
                    static func register(_ table: inout MethodTable<Implementation>) {
                        table.add("charge") {
                            $0.charge(_:amount:)
                        }
                    }
                }
                """,
            macros: contractMacros)
    }
}
