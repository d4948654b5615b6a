import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@BinaryWritable` (internal to `Infinitic`): writes the `BinaryKeyedWritable` conformance of a struct or of an
/// enum from its declaration: the fields its synthesized `Encodable` conformance encodes (for an enum, its case
/// and associated values), in the same order and with the same keys. A type with its own `encode(to:)` or
/// `CodingKeys` is refused (its conformance is written by hand), and so is an enum with raw values (encoded as its
/// raw value: an empty extension makes it `BinaryWritable`).
public enum BinaryWritableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        if let custom = customCoding(in: declaration.memberBlock) {
            context.diagnose(Diagnostic(node: custom, message: CodedMacroMessage(macro: .writable, problem: .custom)))
            return []
        }
        if let conditional = CodedDeclaration.conditionalMembers(declaration.memberBlock) {
            context.diagnose(
                Diagnostic(
                    node: conditional, message: CodedMacroMessage(macro: .writable, problem: .conditionalMembers)))
            return []
        }
        let body: String
        if declaration.is(StructDeclSyntax.self) {
            guard let fields = structFields(declaration.memberBlock, context: context) else { return [] }
            body = fields.joined(separator: "\n")
        } else if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            if CodedDeclaration.hasRawValues(enumDecl) {
                context.diagnose(
                    Diagnostic(node: node, message: CodedMacroMessage(macro: .writable, problem: .rawValues)))
                return []
            }
            body =
                "switch self {\n" + CodedDeclaration.cases(of: enumDecl).map(caseLine).joined(separator: "\n") + "\n}"
        } else {
            context.diagnose(
                Diagnostic(node: node, message: CodedMacroMessage(macro: .writable, problem: .notStructOrEnum)))
            return []
        }
        let decl: DeclSyntax = """
            extension \(type.trimmed): BinaryKeyedWritable {
            func writeFields(_ fields: inout BinaryFields) throws {
            \(raw: body)
            }
            }
            """
        return [decl.cast(ExtensionDeclSyntax.self)]
    }

    /// The entries of a struct's stored instance properties, or nil (diagnosed) if one has no written type.
    private static func structFields(
        _ members: MemberBlockSyntax, context: some MacroExpansionContext
    ) -> [String]? {
        let properties = CodedDeclaration.properties(members) { name, binding in
            context.diagnose(
                Diagnostic(node: binding, message: CodedMacroMessage(macro: .writable, problem: .untyped(name))))
        }
        return properties?.map { property in
            "try fields.\(property.isOptional ? "fieldIfPresent" : "field")(\"\(property.key)\", \(property.name))"
        }
    }

    /// One case of the `switch`: the case's name, then its associated values under their labels (`_0`...).
    private static func caseLine(_ element: EnumCaseElementSyntax) -> String {
        let name = element.name.text
        guard let parameters = element.parameterClause?.parameters, !parameters.isEmpty else {
            return "case .\(name): try fields.enumCase(\"\(CodedDeclaration.key(element.name))\")"
        }
        let bindings = (0..<parameters.count).map { "let v\($0)" }
        let entries = parameters.enumerated().map { index, parameter in
            let key = CodedDeclaration.associatedValueKey(parameter, index: index)
            let method = CodedDeclaration.isOptional(parameter.type) ? "fieldIfPresent" : "field"
            return "try $0.\(method)(\"\(key)\", v\(index))"
        }
        return
            "case .\(name)(\(bindings.joined(separator: ", "))): try fields.enumCase(\"\(CodedDeclaration.key(element.name))\") {\n"
            + entries.joined(separator: "\n") + "\n}"
    }

    /// A hand-written `encode(to:)` or `CodingKeys`, if the type has one.
    private static func customCoding(in members: MemberBlockSyntax) -> Syntax? {
        for member in members.members {
            if let function = member.decl.as(FunctionDeclSyntax.self), function.name.text == "encode" {
                return Syntax(function.name)
            }
            if let nested = member.decl.as(EnumDeclSyntax.self), nested.name.text == "CodingKeys" {
                return Syntax(nested.name)
            }
        }
        return nil
    }
}
