@description('Key Vault name (3-24 letters, digits and hyphens).')
param name string

@description('Region.')
param location string

@description('Standard Webhooks signing secrets (whsec_...), space separated; kept as one secret.')
@secure()
param webhookSecrets string

@description('Name of the secret holding the webhook signing secrets.')
param webhookSecretName string = 'webhook-secrets'

// RBAC authorization (no access policies): the app's identity gets Key Vault Secrets User in key-vault-roles.bicep.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: webhookSecretName
  properties: {
    value: webhookSecrets
    contentType: 'Standard Webhooks signing secrets (whsec_...), space separated'
  }
}

@description('The vault\'s name.')
output name string = vault.name

@description('The secret\'s URI without a version, so the app always reads the latest version (rotation).')
output webhookSecretUri string = '${vault.properties.vaultUri}secrets/${webhookSecret.name}/'
