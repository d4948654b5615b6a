import InfiniticMacros
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

let binaryWritableMacros: [String: any Macro.Type] = ["BinaryWritable": BinaryWritableMacro.self]

/// What `@BinaryWritable` writes: the fields synthesized `Encodable` encodes, in order, optionals only when set;
/// an enum's case with its associated values under their labels or `_0`, `_1`...; and what it refuses.
final class BinaryWritableMacroTests: XCTestCase {
    func testAStructWritesItsStoredPropertiesInOrder() {
        assertMacroExpansion(
            """
            @BinaryWritable
            struct Part: Codable {
                static let version = 2
                var id: String
                var note: String?
                let count: Int = 0
                var tags: Optional<Set<String>>
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
                    var isEmpty: Bool { id.isEmpty }
                    var observed: Int { didSet { print(observed) } }
                }

                extension Part: BinaryKeyedWritable {
                    func writeFields(_ fields: inout BinaryFields) throws {
                        try fields.field("id", id)
                        try fields.fieldIfPresent("note", note)
                        try fields.field("count", count)
                        try fields.fieldIfPresent("tags", tags)
                        try fields.field("observed", observed)
                    }
                }
                """,
            macros: binaryWritableMacros)
    }

    func testAnEnumWritesItsCaseAndAssociatedValues() {
        assertMacroExpansion(
            """
            @BinaryWritable
            enum Step: Codable {
                case none
                case one(String), labeled(name: String, Int)
            }
            """,
            expandedSource: """
                enum Step: Codable {
                    case none
                    case one(String), labeled(name: String, Int)
                }

                extension Step: BinaryKeyedWritable {
                    func writeFields(_ fields: inout BinaryFields) throws {
                        switch self {
                        case .none:
                            try fields.enumCase("none")
                        case .one(let v0):
                            try fields.enumCase("one") {
                                try $0.field("_0", v0)
                            }
                        case .labeled(let v0, let v1):
                            try fields.enumCase("labeled") {
                                try $0.field("name", v0)
                                try $0.field("_1", v1)
                            }
                        }
                    }
                }
                """,
            macros: binaryWritableMacros)
    }

    func testWhatItCannotMirrorIsRefused() {
        assertMacroExpansion(
            """
            @BinaryWritable
            struct Custom: Codable {
                var id: String
                func encode(to encoder: any Encoder) throws {}
            }
            @BinaryWritable
            enum Kind: String, Codable {
                case a
            }
            @BinaryWritable
            struct Untyped: Codable {
                var id = "x"
            }
            """,
            expandedSource: """
                struct Custom: Codable {
                    var id: String
                    func encode(to encoder: any Encoder) throws {}
                }
                enum Kind: String, Codable {
                    case a
                }
                struct Untyped: Codable {
                    var id = "x"
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@BinaryWritable cannot mirror a hand-written 'encode(to:)' or 'CodingKeys': write the "
                        + "'BinaryKeyedWritable' conformance by hand",
                    line: 4, column: 10),
                DiagnosticSpec(
                    message: "@BinaryWritable cannot write an enum with raw values (encoded as its raw value): declare "
                        + "its 'BinaryWritable' conformance with an empty extension",
                    line: 6, column: 1),
                DiagnosticSpec(
                    message: "@BinaryWritable needs the type of 'id' written out (it tells whether the field is "
                        + "optional)",
                    line: 12, column: 9),
            ],
            macros: binaryWritableMacros)
    }
}
