import InfiniticMacros
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

/// What `@Service` and `@Workflow` reject, with the fix-its they offer. A rejected contract gets no stub and
/// no method table.
final class DiagnosticTests: XCTestCase {
    func testMethodsMustBeAsyncThrows() {
        assertMacroExpansion(
            """
            @Service protocol P: Sendable {
                func a() -> Int
                func b() throws -> Int
                func c() async
                func d(_ f: () throws -> Void) rethrows
                func e() async throws(MyError) -> Int
                func f() async throws
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    func a() -> Int
                    func b() throws -> Int
                    func c() async
                    func d(_ f: () throws -> Void) rethrows
                    func e() async throws(MyError) -> Int
                    func f() async throws
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "'a' must be 'async throws' (it is neither async nor throws): @Service calls are remote"
                        + " and can fail",
                    line: 2, column: 10, fixIts: [FixItSpec(message: "make it 'async throws'")]),
                DiagnosticSpec(
                    message: "'b' must be 'async throws' (it is not async): @Service calls are remote and can fail",
                    line: 3, column: 14, fixIts: [FixItSpec(message: "make it 'async throws'")]),
                DiagnosticSpec(
                    message: "'c' must be 'async throws' (it is not throws): @Service calls are remote and can fail",
                    line: 4, column: 14, fixIts: [FixItSpec(message: "make it 'async throws'")]),
                DiagnosticSpec(
                    message: "'d' must be 'async throws' (it is rethrows): @Service calls are remote and can fail",
                    line: 5, column: 36, fixIts: [FixItSpec(message: "make it 'async throws'")]),
                DiagnosticSpec(
                    message: "'e' must be 'async throws' (it is typed throws): @Service calls are remote and can fail",
                    line: 6, column: 14, fixIts: [FixItSpec(message: "make it 'async throws'")]),
            ],
            macros: contractMacros,
            fixedSource: """
                @Service protocol P: Sendable {
                    func a() async throws -> Int
                    func b() async throws -> Int
                    func c() async throws
                    func d(_ f: () throws -> Void) async throws
                    func e() async throws -> Int
                    func f() async throws
                }
                """)
    }

    func testPropertiesSubscriptsInitializersAndAssociatedTypesAreRejected() {
        assertMacroExpansion(
            """
            @Workflow protocol P: Sendable {
                /// The total.
                var total: Int { get }
                subscript(_ index: Int) -> Int { get }
                init(value: Int)
                associatedtype Value
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    /// The total.
                    var total: Int { get }
                    subscript(_ index: Int) -> Int { get }
                    init(value: Int)
                    associatedtype Value
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Workflow contracts can only declare methods, not a property: calls cross the network"
                        + " as method calls",
                    line: 3, column: 5, fixIts: [FixItSpec(message: "make it a method 'func total() async throws'")]),
                DiagnosticSpec(
                    message: "@Workflow contracts can only declare methods, not a subscript: calls cross the network"
                        + " as method calls",
                    line: 4, column: 5),
                DiagnosticSpec(
                    message: "@Workflow contracts can only declare methods, not an initializer: calls cross the"
                        + " network as method calls",
                    line: 5, column: 5),
                DiagnosticSpec(
                    message: "@Workflow contracts cannot have associated types: the stub must be one concrete type",
                    line: 6, column: 20),
            ],
            macros: contractMacros,
            applyFixIts: ["make it a method 'func total() async throws'"],
            fixedSource: """
                @Workflow protocol P: Sendable {
                    /// The total.
                    func total() async throws -> Int
                    subscript(_ index: Int) -> Int { get }
                    init(value: Int)
                    associatedtype Value
                }
                """)
    }

    func testGenericMethodsAreRejected() {
        assertMacroExpansion(
            """
            @Service protocol P: Sendable {
                func a<T: Codable>(_ value: T) async throws -> T
                func b(_ value: some Codable) async throws
                func c() async throws where Self: Equatable
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    func a<T: Codable>(_ value: T) async throws -> T
                    func b(_ value: some Codable) async throws
                    func c() async throws where Self: Equatable
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "'a' cannot be generic: @Service arguments and results are concrete Codable types",
                    line: 2, column: 11),
                DiagnosticSpec(
                    message: "'b' cannot be generic: @Service arguments and results are concrete Codable types",
                    line: 3, column: 21),
                DiagnosticSpec(
                    message: "'c' cannot be generic: @Service arguments and results are concrete Codable types",
                    line: 4, column: 27),
            ],
            macros: contractMacros)
    }

    func testInoutAndVariadicParametersAreRejected() {
        assertMacroExpansion(
            """
            @Service protocol P: Sendable {
                func add(_ value: Int, to total: inout Int) async throws
                func sum(_ values: Int...) async throws -> Int
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    func add(_ value: Int, to total: inout Int) async throws
                    func sum(_ values: Int...) async throws -> Int
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "'add' cannot take an inout parameter: @Service arguments are sent, not shared",
                    line: 2, column: 38, fixIts: [FixItSpec(message: "remove 'inout'")]),
                DiagnosticSpec(
                    message: "'sum' cannot take a variadic parameter under @Service: take an array",
                    line: 3, column: 27, fixIts: [FixItSpec(message: "take an array")]),
            ],
            macros: contractMacros,
            fixedSource: """
                @Service protocol P: Sendable {
                    func add(_ value: Int, to total: Int) async throws
                    func sum(_ values: [Int]) async throws -> Int
                }
                """)
    }

    func testStaticAndMutatingMethodsAreRejected() {
        assertMacroExpansion(
            """
            @Workflow protocol P: Sendable {
                static func make() async throws -> String
                mutating func bump() async throws
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    static func make() async throws -> String
                    mutating func bump() async throws
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "'make' must be an instance method: @Workflow calls reach an instance of the"
                        + " implementation",
                    line: 2, column: 5, fixIts: [FixItSpec(message: "remove 'static'")]),
                DiagnosticSpec(
                    message: "'bump' cannot be mutating: @Workflow implementations are shared values",
                    line: 3, column: 5, fixIts: [FixItSpec(message: "remove 'mutating'")]),
            ],
            macros: contractMacros,
            fixedSource: """
                @Workflow protocol P: Sendable {
                    func make() async throws -> String
                    func bump() async throws
                }
                """)
    }

    func testMethodNamesMustBeUnique() {
        assertMacroExpansion(
            """
            @Service protocol P: Sendable {
                func book(_ room: String) async throws
                func book(_ room: String, nights: Int) async throws
            }
            """,
            expandedSource: """
                protocol P: Sendable {
                    func book(_ room: String) async throws
                    func book(_ room: String, nights: Int) async throws
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Service contracts cannot overload 'book': method names identify calls on the wire",
                    line: 3, column: 10,
                    notes: [NoteSpec(message: "'book' is first declared here", line: 2, column: 10)])
            ],
            macros: contractMacros)
    }

    func testOnlyProtocolsRefiningOnlySendableAreContracts() {
        assertMacroExpansion(
            """
            @Service struct Hotels {}
            @Workflow class Trips {}
            @Service protocol P: Sendable, AnyObject {}
            @Service protocol Q<Value>: Sendable where Value: Codable {}
            """,
            expandedSource: """
                struct Hotels {}
                class Trips {}
                protocol P: Sendable, AnyObject {}
                protocol Q<Value>: Sendable where Value: Codable {}
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Service applies to a protocol: the contract shared by callers and implementations",
                    line: 1, column: 10),
                DiagnosticSpec(
                    message: "@Workflow applies to a protocol: the contract shared by callers and implementations",
                    line: 2, column: 11),
                DiagnosticSpec(
                    message: "@Service contracts can refine only Sendable: the stub would not implement 'AnyObject'",
                    line: 3, column: 32),
                DiagnosticSpec(
                    message: "@Service contracts cannot have associated types: the stub must be one concrete type",
                    line: 4, column: 20),
                DiagnosticSpec(message: "@Service contracts cannot have a 'where' clause", line: 4, column: 38),
            ],
            macros: contractMacros)
    }
}
