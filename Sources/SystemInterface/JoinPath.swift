/// Joins a directory and a name as Python's `os.path.join` does for two
/// relative parts: no separator is added after an empty or slash-ended base.
public func joinPath(_ base: String, _ name: String) -> String {
  if base.isEmpty || base.hasSuffix("/") { return base + name }
  return base + "/" + name
}
