using ServerlessTasks.Testing;

namespace LocalRuntime.Sqlite.Tests.Contract;

/// <summary>The provider contract on Microsoft's AzureStorage provider (Azurite), the reference behaviour.</summary>
public sealed class AzureStorageContractTests(AzuriteFixture azurite) : OrchestrationServiceContractTests(new AzureStorageBackend(azurite)), IClassFixture<AzuriteFixture>;
