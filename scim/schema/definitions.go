package schema

// The definitions below follow the schema representation of RFC 7643 §8.7.1 and the
// attribute text of §3.1, §4.1, §4.2 and §4.3. Where the two disagree, the choice and the
// reason are noted beside the attribute.

// attr returns a single-valued, readWrite, case-insensitive attribute returned by default,
// the most common shape in the RFC, so the tables below only spell out departures from it.
func attr(name string, t Type, desc string) *Attribute {
	return &Attribute{
		Name:        name,
		Type:        t,
		Description: desc,
		Mutability:  ReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniqueNone,
	}
}

func str(name, desc string) *Attribute { return attr(name, String, desc) }

func complexAttr(name, desc string, subs ...*Attribute) *Attribute {
	a := attr(name, Complex, desc)
	a.SubAttributes = subs
	return a
}

func ref(name, desc string, types ...string) *Attribute {
	a := attr(name, Reference, desc)
	a.ReferenceTypes = types
	return a
}

func (a *Attribute) multi() *Attribute       { a.MultiValued = true; return a }
func (a *Attribute) required() *Attribute    { a.Required = true; return a }
func (a *Attribute) caseExact() *Attribute   { a.CaseExact = true; return a }
func (a *Attribute) mut(m string) *Attribute { a.Mutability = m; return a }
func (a *Attribute) ret(r string) *Attribute { a.Returned = r; return a }
func (a *Attribute) unique(u string) *Attribute {
	a.Uniqueness = u
	return a
}
func (a *Attribute) canonical(vs ...string) *Attribute { a.CanonicalValues = vs; return a }

// readOnlyTree marks a and every sub-attribute readOnly, as RFC 7643 does for meta and
// User.groups.
func (a *Attribute) readOnlyTree() *Attribute {
	a.Mutability = ReadOnly
	for _, s := range a.SubAttributes {
		s.readOnlyTree()
	}
	return a
}

// plural builds the standard multi-valued complex attribute of RFC 7643 §2.4 with the
// sub-attributes value, display, type and primary.
func plural(name, desc string, value *Attribute, typeDesc string, types ...string) *Attribute {
	return complexAttr(name, desc,
		value,
		str("display", "A human-readable name, primarily used for display purposes. READ-ONLY."),
		str("type", typeDesc).canonical(types...),
		attr("primary", Boolean, "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once."),
	).multi()
}

var commonAttributes = []*Attribute{
	str("id", "Unique identifier for the SCIM resource as defined by the service provider.").
		caseExact().mut(ReadOnly).ret(ReturnedAlways).unique(UniqueServer),
	str("externalId", "A String that is an identifier for the resource as defined by the provisioning client.").
		caseExact(),
	complexAttr("meta", "A complex attribute containing resource metadata.",
		str("resourceType", "The name of the resource type of the resource.").caseExact(),
		attr("created", DateTime, "The \"DateTime\" that the resource was added to the service provider."),
		attr("lastModified", DateTime, "The most recent DateTime that the details of this resource were updated at the service provider."),
		ref("location", "The URI of the resource being returned.", "uri").caseExact(),
		str("version", "The version of the resource being returned.").caseExact(),
	).readOnlyTree(),
}

var userSchema = &Schema{
	ID:          UserURN,
	Name:        "User",
	Description: "User Account",
	Attributes: []*Attribute{
		str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.").
			required().unique(UniqueServer),
		complexAttr("name", "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.",
			str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
			str("familyName", "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
			str("givenName", "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
			str("middleName", "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."),
			str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
			str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."),
		),
		str("displayName", "The name of the User, suitable for display to end-users. The name SHOULD be the full name of the User being described, if known."),
		str("nickName", "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'. This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge')."),
		ref("profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.", "external"),
		str("title", "The user's title, such as \"Vice President.\""),
		str("userType", "Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used."),
		str("preferredLanguage", "Indicates the User's preferred written or spoken language. Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US."),
		str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
		str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
		attr("active", Boolean, "A Boolean value indicating the User's administrative status."),
		str("password", "The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.").
			mut(WriteOnly).ret(ReturnedNever),
		plural("emails", "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
			str("value", "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'."),
			"A label indicating the attribute's function, e.g., 'work' or 'home'.",
			"work", "home", "other"),
		plural("phoneNumbers", "Phone numbers for the User. The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
			str("value", "Phone number of the User."),
			"A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
			"work", "home", "mobile", "fax", "pager", "other"),
		plural("ims", "Instant messaging addresses for the User.",
			str("value", "Instant messaging address for the User."),
			"A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
			"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
		plural("photos", "URLs of photos of the User.",
			ref("value", "URL of a photo of the User.", "external"),
			"A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
			"photo", "thumbnail"),
		// RFC 7643 §8.7.1 omits "primary" from addresses while §4.1.2 lists it; the
		// attribute text wins because clients send it (Entra marks the work address primary).
		complexAttr("addresses", "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'. This attribute is a complex type with the following sub-attributes.",
			str("formatted", "The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines."),
			str("streetAddress", "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines."),
			str("locality", "The city or locality component."),
			str("region", "The state or region component."),
			str("postalCode", "The zip code or postal code component."),
			str("country", "The country name component."),
			str("type", "A label indicating the attribute's function, e.g., 'work' or 'home'.").canonical("work", "home", "other"),
			attr("primary", Boolean, "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address. The primary attribute value 'true' MUST appear no more than once."),
		).multi(),
		complexAttr("groups", "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
			str("value", "The identifier of the User's group."),
			ref("$ref", "The URI of the corresponding 'Group' resource to which the user belongs.", "User", "Group"),
			str("display", "A human-readable name, primarily used for display purposes. READ-ONLY."),
			str("type", "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.").canonical("direct", "indirect"),
		).multi().readOnlyTree(),
		plural("entitlements", "A list of entitlements for the User that represent a thing the User has.",
			str("value", "The value of an entitlement."),
			"A label indicating the attribute's function."),
		plural("roles", "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
			str("value", "The value of a role."),
			"A label indicating the attribute's function."),
		plural("x509Certificates", "A list of certificates issued to the User.",
			attr("value", Binary, "The value of an X.509 certificate."),
			"A label indicating the attribute's function."),
	},
}

var enterpriseUserSchema = &Schema{
	ID:          EnterpriseUserURN,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []*Attribute{
		str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
		str("costCenter", "Identifies the name of a cost center."),
		str("organization", "Identifies the name of an organization."),
		str("division", "Identifies the name of a division."),
		str("department", "Identifies the name of a department."),
		complexAttr("manager", "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
			str("value", "The id of the SCIM resource representing the User's manager. REQUIRED."),
			ref("$ref", "The URI of the SCIM resource representing the User's manager. REQUIRED.", "User"),
			str("displayName", "The displayName of the User's manager. OPTIONAL and READ-ONLY.").mut(ReadOnly),
		),
	},
}

var groupSchema = &Schema{
	ID:          GroupURN,
	Name:        "Group",
	Description: "Group",
	Attributes: []*Attribute{
		// §8.7.1 says required false while §4.2 says REQUIRED; a group without a name cannot
		// be matched by Entra (displayName eq) or shown by Okta, so scimlab requires it.
		str("displayName", "A human-readable name for the Group. REQUIRED.").required(),
		// "display" is not in §8.7.1 but Okta sends it with every member and most servers
		// return it, so it is defined (immutable, like the other member sub-attributes).
		complexAttr("members", "A list of members of the Group.",
			str("value", "Identifier of the member of this Group.").mut(Immutable),
			ref("$ref", "The URI corresponding to a SCIM resource that is a member of this Group.", "User", "Group").mut(Immutable),
			str("display", "A human-readable name, primarily used for display purposes.").mut(Immutable),
			str("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.").canonical("User", "Group").mut(Immutable),
		).multi(),
	},
}

var userResourceType = &ResourceType{
	ID:          "User",
	Name:        "User",
	Endpoint:    "/Users",
	Description: "User Account",
	Schema:      userSchema,
	Extensions:  []Extension{{Schema: enterpriseUserSchema, Required: false}},
}

var groupResourceType = &ResourceType{
	ID:          "Group",
	Name:        "Group",
	Endpoint:    "/Groups",
	Description: "Group",
	Schema:      groupSchema,
}
