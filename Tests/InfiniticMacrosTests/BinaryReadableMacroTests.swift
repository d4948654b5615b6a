import InfiniticMacros
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

let binaryReadableMacros: [String: any Macro.Type] = ["BinaryReadable": BinaryReadableMacro.self]

/// What `@BinaryReadable` writes: the fields synthesized `Decodable` decodes, by key and type, optionals when
/// present, never a `let` with an initial value; an enum's one case with its associated values under their labels or
/// `_0`, `_1`...; and what it refuses.
final class BinaryReadableMacroTests: XCTestCase {
    func testAStructReadsItsStoredProperties() {
        assertMacroExpansion(
            """
            @BinaryReadable
            struct Part: Codable {
                static let version = 2
                var id: String
                var note: String?
                let count: Int = 0
                var tags: Optional<Set<String>>
                var map: [String: Int]!
                var isEmpty: Bool { id.isEmpty }
                var observed: Int { didSet { print(observed) } }
            }
            """,
            expandedSource: """
                struct Part: Codable {
                    static let version = 2
                    var id: String
                    var note: String?
                    let count: Int = 0
                    var tags: Optional<Set<String>>
                    var map: [String: Int]!
                    var isEmpty: Bool { id.isEmpty }
                    var observed: Int { didSet { print(observed) } }
                }

                extension Part: BinaryKeyedReadable {
                    init(fields: BinaryReadFields) throws {
                        self.id = try fields.field("id", as: String.self)
                        self.note = try fields.fieldIfPresent("note", as: String.self)
                        self.tags = try fields.fieldIfPresent("tags", as: Set<String>.self)
                        self.map = try fields.fieldIfPresent("map", as: [String: Int].self)
                        self.observed = try fields.field("observed", as: Int.self)
                    }
                }
                """,
            macros: binaryReadableMacros)
    }

    func testAnEnumReadsItsCaseAndAssociatedValues() {
        assertMacroExpansion(
            """
            @BinaryReadable
            enum Step: Codable {
                case none
                case one(String), labeled(name: String, Int?)
            }
            """,
            expandedSource: """
                enum Step: Codable {
                    case none
                    case one(String), labeled(name: String, Int?)
                }

                extension Step: BinaryKeyedReadable {
                    init(fields: BinaryReadFields) throws {
                        let (name, values) = try fields.enumCase()
                        if name.matches("none") {
                            self = .none
                        } else if name.matches("one") {
                            self = .one(try values.field("_0", as: String.self))
                        } else if name.matches("labeled") {
                            self = .labeled(name: try values.field("name", as: String.self), try values.fieldIfPresent("_1", as: Int.self))
                        } else {
                            throw fields.unknownCase(name, of: Self.self)
                        }
                    }
                }
                """,
            macros: binaryReadableMacros)
    }

    func testWhatItCannotMirrorIsRefused() {
        assertMacroExpansion(
            """
            @BinaryReadable
            struct Custom: Codable {
                var id: String
                init(from decoder: any Decoder) throws { id = "" }
            }
            @BinaryReadable
            enum Kind: String, Codable {
                case a
            }
            @BinaryReadable
            struct Untyped: Codable {
                var id = "x"
            }
            @BinaryReadable
            class Box: Codable {}
            """,
            expandedSource: """
                struct Custom: Codable {
                    var id: String
                    init(from decoder: any Decoder) throws { id = "" }
                }
                enum Kind: String, Codable {
                    case a
                }
                struct Untyped: Codable {
                    var id = "x"
                }
                class Box: Codable {}
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@BinaryReadable cannot mirror a hand-written 'init(from:)' or 'CodingKeys': write the "
                        + "'BinaryKeyedReadable' conformance by hand",
                    line: 4, column: 5),
                DiagnosticSpec(
                    message: "@BinaryReadable cannot read an enum with raw values (decoded from its raw value): "
                        + "declare its 'BinaryReadable' conformance with an empty extension",
                    line: 6, column: 1),
                DiagnosticSpec(
                    message: "@BinaryReadable needs the type of 'id' written out (it tells whether the field is "
                        + "optional)",
                    line: 12, column: 9),
                DiagnosticSpec(message: "@BinaryReadable applies to a struct or an enum", line: 14, column: 1),
            ],
            macros: binaryReadableMacros)
    }
}
