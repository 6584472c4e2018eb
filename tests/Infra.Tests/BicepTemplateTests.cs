using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Infra.Tests;

/// <summary>The deployment template compiles without diagnostics and wires what the app needs.</summary>
public class BicepTemplateTests
{
    private static string Metadata(string key) =>
        typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static async Task<(int Exit, string Stdout, string Stderr)> BicepAsync(params string[] args)
    {
        var cli = Metadata("BicepCli");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cli, File.GetUnixFileMode(cli) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Metadata("InfraFolder") };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The CLI takes seconds when the machine is idle, but once took over 2 minutes under a load average of 60
        // (six engineers building): a deadline for a hung CLI, not a performance bound.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task MainBicep_Builds_WithoutWarnings()
    {
        var (exit, stdout, stderr) = await BicepAsync("build", "main.bicep", "--stdout");

        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stderr.Trim());
        using var template = JsonDocument.Parse(stdout);
        Assert.Equal(
            ["storage", "monitoring", "keyvault", "functionapp", "storage-roles", "keyvault-roles"],
            template.RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task MainBicep_FlexConsumptionApp_IdentityBasedStorage_NoConnectionStrings()
    {
        var (_, stdout, _) = await BicepAsync("build", "main.bicep", "--stdout");

        Assert.Contains("FlexConsumption", stdout);
        Assert.Contains("AzureWebJobsStorage__accountName", stdout);
        Assert.Contains("\"allowSharedKeyAccess\": false", stdout);
        Assert.DoesNotContain("AccountKey=", stdout);
        Assert.Contains("task-submissions", stdout);
    }

    /// <summary>A module's inner resources of one type.</summary>
    private static IEnumerable<JsonElement> Resources(JsonElement template, string module, string type) =>
        template.GetProperty("resources").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == module)
            .GetProperty("properties").GetProperty("template").GetProperty("resources").EnumerateArray()
            .Where(r => r.GetProperty("type").GetString() == type);

    private static JsonElement Module(JsonElement template, string module) =>
        template.GetProperty("resources").EnumerateArray().Single(m => m.GetProperty("name").GetString() == module);

    private static Dictionary<string, string> AppSettings(JsonElement template) =>
        Resources(template, "functionapp", "Microsoft.Web/sites").Single()
            .GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!);

    [Fact]
    public async Task MainBicep_AppStoresOnTables_ThroughTheManagedIdentity()
    {
        var (_, stdout, _) = await BicepAsync("build", "main.bicep", "--stdout");
        using var template = JsonDocument.Parse(stdout);

        var settings = AppSettings(template.RootElement);
        Assert.Equal("tables", settings["TaskIndex__Provider"]);
        Assert.Equal("AzureWebJobsStorage", settings["TaskIndex__Connection"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('storageAccountName')]", settings["AzureWebJobsStorage__accountName"]);
        Assert.Single(Resources(template.RootElement, "storage-roles", "Microsoft.Authorization/roleAssignments"));
        var roles = Module(template.RootElement, "storage-roles").GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("roles");
        Assert.Equal("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", roles.GetProperty("tableDataContributor").GetString()); // Storage Table Data Contributor
    }

    [Fact]
    public async Task MainBicep_WebhookSecrets_InKeyVault_ReferencedNotCopied()
    {
        var (_, stdout, _) = await BicepAsync("build", "main.bicep", "--stdout");
        using var template = JsonDocument.Parse(stdout);
        var root = template.RootElement;

        // The setting is a Key Vault reference to the secret's versionless URI, nothing else.
        var settings = AppSettings(root);
        Assert.Equal("[format('@Microsoft.KeyVault(SecretUri={0})', parameters('webhookSecretUri'))]", settings["Webhooks__Secrets"]);
        var functionApp = root.GetProperty("resources").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "functionapp");
        Assert.DoesNotContain("webhookSecrets", functionApp.GetRawText()); // the secure parameter never reaches the app module
        Assert.All(settings.Values, v => Assert.DoesNotContain("whsec_", v));

        // The vault: RBAC authorization, the secret from the secure parameter, the app's identity as Key Vault Secrets User.
        var vault = Resources(root, "keyvault", "Microsoft.KeyVault/vaults").Single();
        Assert.True(vault.GetProperty("properties").GetProperty("enableRbacAuthorization").GetBoolean());
        var secret = Resources(root, "keyvault", "Microsoft.KeyVault/vaults/secrets").Single();
        Assert.Equal("[parameters('webhookSecrets')]", secret.GetProperty("properties").GetProperty("value").GetString());
        var keyVaultModule = root.GetProperty("resources").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "keyvault");
        Assert.Equal("[parameters('webhookSecrets')]", keyVaultModule.GetProperty("properties").GetProperty("parameters").GetProperty("webhookSecrets").GetProperty("value").GetString());
        Assert.Equal("securestring", keyVaultModule.GetProperty("properties").GetProperty("template").GetProperty("parameters").GetProperty("webhookSecrets").GetProperty("type").GetString());
        var assignment = Resources(root, "keyvault-roles", "Microsoft.Authorization/roleAssignments").Single();
        Assert.Equal("[resourceId('Microsoft.KeyVault/vaults', parameters('vaultName'))]", assignment.GetProperty("scope").GetString());
        Assert.Equal("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('secretsUser'))]", assignment.GetProperty("properties").GetProperty("roleDefinitionId").GetString());
        Assert.Equal("4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
            Module(root, "keyvault-roles").GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("secretsUser").GetString());
        var principal = root.GetProperty("resources").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "keyvault-roles")
            .GetProperty("properties").GetProperty("parameters").GetProperty("principalId").GetProperty("value").GetString();
        Assert.Contains("'functionapp'", principal);
        Assert.Contains("principalId", principal);
        Assert.DoesNotContain("secrets", root.GetProperty("outputs").GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Lint_ReportsNothing()
    {
        var (exit, stdout, stderr) = await BicepAsync("lint", "main.bicep");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(string.Empty, (stdout + stderr).Trim());
    }
}
