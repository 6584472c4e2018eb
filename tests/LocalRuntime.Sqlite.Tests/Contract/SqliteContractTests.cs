namespace LocalRuntime.Sqlite.Tests.Contract;

/// <summary>The provider contract on our SQLite provider.</summary>
public sealed class SqliteContractTests() : OrchestrationServiceContractTests(new SqliteBackend());
