using ServerlessTasks.Testing;

namespace LocalRuntime.Queues.Tests;

/// <summary>One Azurite for every test class that talks to Azure Storage queues.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
