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
                var `default`: Int
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
                    var `default`: Int
                    var isEmpty: Bool { id.isEmpty }
                    var observed: Int { didSet { print(observed) } }
                }

                extension Part: BinaryKeyedReadable {
                    init(fields: BinaryReadFields) throws {
                        self.id = try fields.field("id")
                        self.note = try fields.fieldIfPresent("note")
                        self.tags = try fields.fieldIfPresent("tags")
                        self.map = try fields.fieldIfPresent("map")
                        self.`default` = try fields.field("default")
                        self.observed = try fields.field("observed")
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
                case `default`(`in`: Int)
            }
            @BinaryReadable
            enum Never: Codable {}
            """,
            expandedSource: """
                enum Step: Codable {
                    case none
                    case one(String), labeled(name: String, Int?)
                    case `default`(`in`: Int)
                }
                enum Never: Codable {}

                extension Step: BinaryKeyedReadable {
                    init(fields: BinaryReadFields) throws {
                        let (index, values) = try fields.enumCase(of: Self.self, names: ["none", "one", "labeled", "default"])
                        switch index {
                        case 0:
                            self = .none
                        case 1:
                            self = .one(try values.field("_0"))
                        case 2:
                            self = .labeled(name: try values.field("name"), try values.fieldIfPresent("_1"))
                        default:
                            self = .`default`(in: try values.field("in"))
                        }
                    }
                }

                extension Never: BinaryKeyedReadable {
                    init(fields: BinaryReadFields) throws {
                        throw BinaryReadFields.caseCountMismatch(Self.self)
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
            @BinaryReadable
            struct Conditional: Codable {
                #if DEBUG
                var trace: String
                #endif
            }
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
                struct Conditional: Codable {
                    #if DEBUG
                    var trace: String
                    #endif
                }
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
                DiagnosticSpec(
                    message: "@BinaryReadable cannot mirror members inside '#if': write the 'BinaryKeyedReadable' "
                        + "conformance by hand",
                    line: 18, column: 5),
            ],
            macros: binaryReadableMacros)
    }
}
