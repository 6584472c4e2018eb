using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace ServerlessTasks.TableStorage;

/// <summary>
/// Resolves a storage connection for the Azure Tables stores the way the Functions host resolves a binding's
/// <c>connection</c>: the setting <c>{name}</c> as a connection string (<c>UseDevelopmentStorage=true</c> is Azurite),
/// or identity-based settings <c>{name}:tableServiceUri</c> / <c>{name}:accountName</c> with <c>{name}:credential</c>
/// = <c>managedidentity</c> (and <c>{name}:clientId</c> for a user-assigned identity); any other credential value
/// uses <see cref="DefaultAzureCredential"/>. No account key is ever needed in Azure.
/// </summary>
public static class TablesConnection
{
    /// <summary>The connection the stores use when none is named: the app's <c>AzureWebJobsStorage</c>.</summary>
    public const string DefaultName = "AzureWebJobsStorage";

    /// <summary>Creates the service client for connection <paramref name="name"/>.</summary>
    /// <param name="setting">Reads a setting by its <c>:</c>-separated name (configuration).</param>
    /// <param name="name">The connection's name.</param>
    /// <exception cref="InvalidOperationException">Neither a connection string nor an account is configured under the name.</exception>
    public static TableServiceClient Create(Func<string, string?> setting, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (setting(name) is { Length: > 0 } connectionString)
        {
            return new TableServiceClient(connectionString);
        }

        var endpoint = setting($"{name}:tableServiceUri") is { Length: > 0 } uri
            ? new Uri(uri)
            : setting($"{name}:accountName") is { Length: > 0 } account
                ? new Uri($"https://{account}.table.core.windows.net")
                : throw new InvalidOperationException(
                    $"No storage connection '{name}' is configured: set '{name}' to a connection string, or '{name}__accountName' (with '{name}__credential' = managedidentity).");
        TokenCredential credential = string.Equals(setting($"{name}:credential"), "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(setting($"{name}:clientId") is { Length: > 0 } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return new TableServiceClient(endpoint, credential);
    }
}
