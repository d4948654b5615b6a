import SwiftSyntax

/// What a synthesized `Codable` conformance codes, read from a declaration (for `@BinaryWritable` and
/// `@BinaryReadable`).
enum CodedDeclaration {
    /// A stored instance property.
    struct Property {
        /// The name as written (backticks kept: for code naming the property).
        let name: String
        /// The coding key: the name without backticks.
        let key: String
        let isOptional: Bool
        /// A `let` with an initial value: encoded, but never decoded (its value is fixed).
        let isInitializedConstant: Bool
    }

    /// The stored instance properties of `members` in declaration order, or nil if one has no written type
    /// (`untyped` is called for each: the type tells whether the property is optional).
    static func properties(
        _ members: MemberBlockSyntax, untyped: (String, PatternBindingSyntax) -> Void
    ) -> [Property]? {
        var properties: [Property] = []
        var failed = false
        for member in members.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                !variable.modifiers.contains(where: { ["static", "class"].contains($0.name.text) })
            else { continue }
            let isConstant = variable.bindingSpecifier.text == "let"
            for binding in variable.bindings {
                // Computed properties are not coded (observers alone keep a property stored).
                if let accessors = binding.accessorBlock, !isObserversOnly(accessors) { continue }
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier else { continue }
                let name = identifier.text
                guard let type = binding.typeAnnotation?.type else {
                    untyped(name, binding)
                    failed = true
                    continue
                }
                properties.append(
                    Property(
                        name: name, key: key(identifier), isOptional: isOptional(type),
                        isInitializedConstant: isConstant && binding.initializer != nil))
            }
        }
        return failed ? nil : properties
    }

    private static func isObserversOnly(_ accessors: AccessorBlockSyntax) -> Bool {
        guard case .accessors(let list) = accessors.accessors else { return false }
        return list.allSatisfy { ["willSet", "didSet"].contains($0.accessorSpecifier.text) }
    }

    /// Whether `type` is written as an optional (`T?`, `T!`, `Optional<T>`).
    static func isOptional(_ type: TypeSyntax) -> Bool {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return true }
        if let identifier = type.as(IdentifierTypeSyntax.self) { return identifier.name.text == "Optional" }
        if let member = type.as(MemberTypeSyntax.self) { return member.name.text == "Optional" }
        return false
    }

    /// Whether the enum declares a raw type (its first inherited type, a standard library value type).
    static func hasRawValues(_ declaration: EnumDeclSyntax) -> Bool {
        let rawTypes: Set<String> = [
            "String", "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64",
            "Double", "Float", "Character",
        ]
        guard let first = declaration.inheritanceClause?.inheritedTypes.first?.type.trimmedDescription else {
            return false
        }
        return rawTypes.contains(first)
    }

    /// The cases of an enum, in declaration order.
    static func cases(of declaration: EnumDeclSyntax) -> [EnumCaseElementSyntax] {
        declaration.memberBlock.members.flatMap { $0.decl.as(EnumCaseDeclSyntax.self)?.elements.map { $0 } ?? [] }
    }

    /// The key of an enum case's associated value at `index`: its label, or `_index` when unlabeled.
    static func associatedValueKey(_ parameter: EnumCaseParameterSyntax, index: Int) -> String {
        parameter.firstName.map { $0.text == "_" ? "_\(index)" : key($0) } ?? "_\(index)"
    }

    /// The coding key of a name: its text without backticks, as synthesized `Codable` names it.
    static func key(_ token: TokenSyntax) -> String {
        token.identifier?.name ?? token.text
    }

    /// A `#if` block among the members: what it holds may or may not be compiled, so it cannot be mirrored.
    static func conditionalMembers(_ members: MemberBlockSyntax) -> Syntax? {
        members.members.first { $0.decl.is(IfConfigDeclSyntax.self) }.map { Syntax($0.decl) }
    }
}
