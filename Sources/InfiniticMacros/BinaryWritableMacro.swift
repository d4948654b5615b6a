import SwiftSyntax
import SwiftSyntaxMacros

/// `@BinaryWritable` (internal to `Infinitic`): writes the `BinaryKeyedWritable` conformance of a struct or of an
/// enum from its declaration: the fields its synthesized `Encodable` conformance encodes (for an enum, its case
/// and associated values), in the same order and with the same keys (backticks dropped). What it cannot mirror is
/// refused (see `CodedDeclaration.shape`): a type with its own `encode(to:)` or `CodingKeys` writes its conformance
/// by hand, and an enum with raw values (encoded as its raw value) conforms with an empty extension.
public enum BinaryWritableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard let shape = CodedDeclaration.shape(of: declaration, attribute: node, macro: .writable, in: context)
        else { return [] }
        let body: String
        switch shape {
        case .structure(let properties):
            body = properties.map { property in
                let method = CodedDeclaration.fieldMethod(optional: property.isOptional)
                return "try fields.\(method)(\"\(property.key)\", \(property.name))"
            }.joined(separator: "\n")
        case .enumeration(let cases):
            body = "switch self {\n" + cases.map(caseLine).joined(separator: "\n") + "\n}"
        }
        return [
            CodedDeclaration.conformance(
                of: type, "BinaryKeyedWritable", member: "func writeFields(_ fields: inout BinaryFields) throws",
                body: body)
        ]
    }

    /// One case of the `switch`: the case's name, then its associated values under their keys.
    private static func caseLine(_ enumCase: CodedDeclaration.Case) -> String {
        guard !enumCase.values.isEmpty else {
            return "case .\(enumCase.name): try fields.enumCase(\"\(enumCase.key)\")"
        }
        let bindings = enumCase.values.indices.map { "let v\($0)" }
        let entries = enumCase.values.enumerated().map { index, value in
            "try $0.\(CodedDeclaration.fieldMethod(optional: value.isOptional))(\"\(value.key)\", v\(index))"
        }
        return "case .\(enumCase.name)(\(bindings.joined(separator: ", "))): "
            + "try fields.enumCase(\"\(enumCase.key)\") {\n" + entries.joined(separator: "\n") + "\n}"
    }
}
