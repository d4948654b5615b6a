import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// What a synthesized `Codable` conformance codes, read from a declaration (for `@BinaryWritable` and
/// `@BinaryReadable`), and what those macros refuse to mirror.
enum CodedDeclaration {
    /// A struct's stored properties, or an enum's cases.
    enum Shape {
        case structure([Property])
        case enumeration([Case])
    }

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

    /// An enum case.
    struct Case {
        /// The name as written (for code naming the case).
        let name: String
        /// The coding key of the case.
        let key: String
        let values: [AssociatedValue]
    }

    /// An associated value of an enum case.
    struct AssociatedValue {
        /// The label as written, nil when unlabeled.
        let label: String?
        /// Its coding key: the label without backticks, or `_index` when unlabeled.
        let key: String
        let isOptional: Bool
    }

    /// The `BinaryFields` / `BinaryReadFields` method for a value: `fieldIfPresent` for an optional, else `field`.
    static func fieldMethod(optional: Bool) -> String {
        optional ? "fieldIfPresent" : "field"
    }

    /// The shape `macro`, attached by `attribute`, mirrors; nil once it diagnosed why it cannot: a hand-written
    /// `encode(to:)` (writable) or `init(from:)` (readable) or `CodingKeys`, members inside `#if`, a property
    /// without a written type, raw values, or a declaration that is neither a struct nor an enum.
    static func shape(
        of declaration: some DeclGroupSyntax, attribute: AttributeSyntax, macro: CodedMacroMessage.Macro,
        in context: some MacroExpansionContext
    ) -> Shape? {
        var refused = false
        func refuse(_ node: some SyntaxProtocol, _ problem: CodedMacroMessage.Problem) {
            context.diagnose(Diagnostic(node: node, message: CodedMacroMessage(macro: macro, problem: problem)))
            refused = true
        }
        let members = declaration.memberBlock
        if let custom = customCoding(in: members, macro: macro) {
            refuse(custom, .custom)
        } else if let conditional = members.members.first(where: { $0.decl.is(IfConfigDeclSyntax.self) }) {
            refuse(conditional.decl, .conditionalMembers)
        } else if declaration.is(StructDeclSyntax.self) {
            let properties = storedProperties(members) { refuse($1, .untyped($0)) }
            return refused ? nil : .structure(properties)
        } else if let enumeration = declaration.as(EnumDeclSyntax.self) {
            if hasRawValues(enumeration) {
                refuse(attribute, .rawValues)
            } else {
                return .enumeration(cases(of: enumeration))
            }
        } else {
            refuse(attribute, .notStructOrEnum)
        }
        return nil
    }

    /// `extension <type>: <conformance> { <member> { <body> } }`.
    static func conformance(
        of type: some TypeSyntaxProtocol, _ conformance: String, member: String, body: String
    ) -> ExtensionDeclSyntax {
        let decl: DeclSyntax = """
            extension \(type.trimmed): \(raw: conformance) {
            \(raw: member) {
            \(raw: body)
            }
            }
            """
        return decl.cast(ExtensionDeclSyntax.self)
    }

    /// The stored instance properties of `members` in declaration order; `untyped` is called for each one without
    /// a written type (the type tells whether the property is optional), which is left out.
    private static func storedProperties(
        _ members: MemberBlockSyntax, untyped: (String, PatternBindingSyntax) -> Void
    ) -> [Property] {
        var properties: [Property] = []
        for member in members.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                !variable.modifiers.contains(where: { ["static", "class"].contains($0.name.text) })
            else { continue }
            let isConstant = variable.bindingSpecifier.text == "let"
            for binding in variable.bindings {
                // Computed properties are not coded (observers alone keep a property stored).
                if let accessors = binding.accessorBlock, !isObserversOnly(accessors) { continue }
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier else { continue }
                guard let type = binding.typeAnnotation?.type else {
                    untyped(identifier.text, binding)
                    continue
                }
                properties.append(
                    Property(
                        name: identifier.text, key: key(identifier), isOptional: isOptional(type),
                        isInitializedConstant: isConstant && binding.initializer != nil))
            }
        }
        return properties
    }

    private static func isObserversOnly(_ accessors: AccessorBlockSyntax) -> Bool {
        guard case .accessors(let list) = accessors.accessors else { return false }
        return list.allSatisfy { ["willSet", "didSet"].contains($0.accessorSpecifier.text) }
    }

    /// Whether `type` is written as an optional (`T?`, `T!`, `Optional<T>`).
    private static func isOptional(_ type: TypeSyntax) -> Bool {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return true }
        if let identifier = type.as(IdentifierTypeSyntax.self) { return identifier.name.text == "Optional" }
        if let member = type.as(MemberTypeSyntax.self) { return member.name.text == "Optional" }
        return false
    }

    /// Whether the enum declares a raw type (its first inherited type, a standard library value type).
    private static func hasRawValues(_ declaration: EnumDeclSyntax) -> Bool {
        let rawTypes: Set<String> = [
            "String", "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64",
            "Double", "Float", "Character",
        ]
        guard let first = declaration.inheritanceClause?.inheritedTypes.first?.type.trimmedDescription else {
            return false
        }
        return rawTypes.contains(first)
    }

    /// The cases of an enum, in declaration order, with their associated values.
    private static func cases(of declaration: EnumDeclSyntax) -> [Case] {
        let elements = declaration.memberBlock.members.flatMap {
            $0.decl.as(EnumCaseDeclSyntax.self)?.elements.map { $0 } ?? []
        }
        return elements.map { element in
            let parameters = element.parameterClause?.parameters.map { $0 } ?? []
            let values = parameters.enumerated().map { index, parameter in
                let label = parameter.firstName.flatMap { $0.text == "_" ? nil : $0 }
                return AssociatedValue(
                    label: label?.text, key: label.map(key) ?? "_\(index)", isOptional: isOptional(parameter.type))
            }
            return Case(name: element.name.text, key: key(element.name), values: values)
        }
    }

    /// The coding key of a name: its text without backticks, as synthesized `Codable` names it.
    private static func key(_ token: TokenSyntax) -> String {
        token.identifier?.name ?? token.text
    }

    /// A hand-written `encode(to:)` (for `@BinaryWritable`) or `init(from:)` (for `@BinaryReadable`), or
    /// `CodingKeys`, if the type has one.
    private static func customCoding(in members: MemberBlockSyntax, macro: CodedMacroMessage.Macro) -> Syntax? {
        for member in members.members {
            switch macro {
            case .writable:
                if let function = member.decl.as(FunctionDeclSyntax.self), function.name.text == "encode" {
                    return Syntax(function.name)
                }
            case .readable:
                if let initializer = member.decl.as(InitializerDeclSyntax.self),
                    initializer.signature.parameterClause.parameters.first?.firstName.text == "from"
                {
                    return Syntax(initializer.initKeyword)
                }
            }
            if let nested = member.decl.as(EnumDeclSyntax.self), nested.name.text == "CodingKeys" {
                return Syntax(nested.name)
            }
        }
        return nil
    }
}
