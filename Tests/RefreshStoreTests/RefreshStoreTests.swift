import Testing

@testable import RefreshStore

@Suite struct RefreshStoreTests {
  @Test func linksTheSystemSQLite() {
    #expect(RefreshStore.sqliteVersion.hasPrefix("3."))
  }
}
