package idp

// A summary names its subject, which a request without an id or with a body too broken
// to read leaves unknown; these words keep such a summary a sentence ("Okta could not
// add alice to a group: 405 …", not "… to: 405 …").

// named words a resource as the object of a verb: "user alice", or "a user" when the
// name is unknown.
func named(noun, name string) string {
	if name == "" {
		return "a " + noun
	}
	return noun + " " + name
}

// groupRef is a group as the end of "add … to", "remove … from", "… in": its name, or
// "a group".
func groupRef(name string) string { return nameOr(name, "a group") }

// nameOr is name, or the words standing for it when it is unknown.
func nameOr(name, unknown string) string {
	if name == "" {
		return unknown
	}
	return name
}

// renaming words a rename after "rename" or "renamed": "group Sales to Sales EMEA",
// "a group to Sales EMEA" when the old name is unknown.
func renaming(oldName, newName string) string {
	switch {
	case newName == "" || newName == oldName:
		return named("group", oldName)
	case oldName == "":
		return "a group to " + newName
	}
	return "group " + oldName + " to " + newName
}

// lookedUp words the value a lookup searched for; an empty one is shown as "".
func lookedUp(value string) string {
	if value == "" {
		return `""`
	}
	return value
}
