import SwiftSyntax
import SwiftSyntaxMacros

/// `@BinaryReadable` (internal to `Infinitic`): writes the `BinaryKeyedReadable` conformance of a struct or of an
/// enum from its declaration: what its synthesized `Decodable` conformance decodes (for an enum, its one case and
/// associated values), with the same keys (backticks dropped); optionals are nil when absent, a `let` with an
/// initial value is not read, each value's type is the one it is assigned to. What it cannot mirror is refused (see
/// `CodedDeclaration.shape`): a type with its own `init(from:)` or `CodingKeys` writes its conformance by hand, and
/// an enum with raw values (decoded from its raw value) conforms with an empty extension. It reads the declaration
/// as written: an optional must be spelled as one (`T?`, `T!`, `Optional<T>`), not through a type alias.
public enum BinaryReadableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard let shape = CodedDeclaration.shape(of: declaration, attribute: node, macro: .readable, in: context)
        else { return [] }
        let body: String
        switch shape {
        case .structure(let properties):
            body = properties.filter { !$0.isInitializedConstant }.map { property in
                let method = CodedDeclaration.fieldMethod(optional: property.isOptional)
                return "self.\(property.name) = try fields.\(method)(\"\(property.key)\")"
            }.joined(separator: "\n")
        case .enumeration(let cases):
            body = enumBody(cases)
        }
        return [
            CodedDeclaration.conformance(
                of: type, "BinaryKeyedReadable", member: "init(fields: BinaryReadFields) throws", body: body)
        ]
    }

    /// The case found among the names of all cases, then the value made of its associated values; the last case
    /// is the `default` of the `switch`.
    private static func enumBody(_ cases: [CodedDeclaration.Case]) -> String {
        guard !cases.isEmpty else { return "throw BinaryReadFields.caseCountMismatch(Self.self)" }
        let names = cases.map { "\"\($0.key)\"" }.joined(separator: ", ")
        let branches = cases.enumerated().map { index, enumCase in
            let label = index == cases.count - 1 ? "default:" : "case \(index):"
            return "\(label)\nself = \(construction(enumCase))"
        }
        return "let (index, values) = try fields.enumCase(of: Self.self, names: [\(names)])\n"
            + "switch index {\n\(branches.joined(separator: "\n"))\n}"
    }

    /// `.name` or `.name(label: value, value...)`, each value read under its key. A label is written without
    /// backticks (a keyword needs none as an argument label, and escaping it draws a warning), except the three
    /// that must keep them.
    private static func construction(_ enumCase: CodedDeclaration.Case) -> String {
        guard !enumCase.values.isEmpty else { return ".\(enumCase.name)" }
        let arguments = enumCase.values.map { value in
            let method = CodedDeclaration.fieldMethod(optional: value.isOptional)
            let label = value.label.map { ["inout", "var", "let"].contains(value.key) ? $0 : value.key }
            return "\(label.map { "\($0): " } ?? "")try values.\(method)(\"\(value.key)\")"
        }
        return ".\(enumCase.name)(\(arguments.joined(separator: ", ")))"
    }
}
