/**
 * Every Slack callback, block and action id, written once and shared by views and handlers.
 * Each feature keeps its ids in its own section; add to a section, never reuse an id string.
 */

export const CallbackIds = {
  // accounts
  accountAdd: 'account_add',
  // cluster wizard (one per step: the callback id is how the wizard knows the step a view shows)
  wizardBasics: 'wizard_basics',
  wizardPacks: 'wizard_packs',
  wizardPlacement: 'wizard_placement',
  wizardPools: 'wizard_pools',
  wizardReview: 'wizard_review',
  wizardExpired: 'wizard_expired',
  wizardDeployed: 'wizard_deployed',
  /** "Resume draft" or "Start over", shown by /tke create when the user left a draft in the channel. */
  wizardResume: 'wizard_resume',
  // deletion and force delete
  deleteConfirm: 'delete_confirm',
  deleteExpired: 'delete_expired',
  forceDeleteLoading: 'force_delete_loading',
  forceDeleteConfirm: 'force_delete_confirm',
  // expiry
  expiryExtend: 'expiry_extend',
  // approval
  approvalReject: 'approval_reject',
  changeApprovalReject: 'change_approval_reject',
  // worker pools (day two)
  poolScale: 'pool_scale',
  poolRemove: 'pool_remove',
  poolAdd: 'pool_add',
  // Kubernetes upgrade (day two)
  clusterUpgrade: 'cluster_upgrade',
} as const;

export const BlockIds = {
  // accounts
  accountName: 'account_name',
  accountDescription: 'account_description',
  accountSecretId: 'account_secret_id',
  accountSecretKey: 'account_secret_key',
  accountScope: 'account_scope',
  // cluster wizard (blocks whose choices depend on an earlier one get `@<variant>` appended, see views/wizard/fields.ts)
  wizardName: 'wizard_name',
  wizardDescription: 'wizard_description',
  wizardTags: 'wizard_tags',
  wizardAccount: 'wizard_account',
  wizardAccountActions: 'wizard_account_actions',
  wizardProfile: 'wizard_profile',
  /** `wizard_pack:<pack name>` */
  wizardPack: 'wizard_pack',
  wizardRegion: 'wizard_region',
  wizardKeyPair: 'wizard_key_pair',
  wizardVpc: 'wizard_vpc',
  wizardSubnet: 'wizard_subnet',
  wizardEndpointAccess: 'wizard_endpoint_access',
  wizardPublicCidrs: 'wizard_public_cidrs',
  /** The "update worker pools in parallel" input; errors about the pool list as a whole go here too. */
  wizardPoolsSettings: 'wizard_pools_settings',
  /** `wizard_pool:<pool key>:<field>` */
  wizardPool: 'wizard_pool',
  wizardPoolActions: 'wizard_pool_actions',
  wizardLoadError: 'wizard_load_error',
  wizardNavigation: 'wizard_navigation',
  // deletion and force delete
  deleteConfirmName: 'delete_confirm_name',
  forceDeleteConfirmName: 'force_delete_confirm_name',
  // expiry
  wizardExpiry: 'wizard_expiry',
  expiryChoice: 'expiry_choice',
  expiryActions: 'expiry_actions',
  // approval
  approvalActions: 'approval_actions',
  approvalRejectReason: 'approval_reject_reason',
  changeApprovalActions: 'change_approval_actions',
  // worker pools (day two)
  poolScaleMin: 'pool_scale_min',
  poolScaleDesired: 'pool_scale_desired',
  poolScaleMax: 'pool_scale_max',
  poolRemoveName: 'pool_remove_name',
  // Kubernetes upgrade (day two)
  upgradeVersion: 'upgrade_version',
  upgradeType: 'upgrade_type',
  upgradeMaxUnavailable: 'upgrade_max_unavailable',
} as const;

export const ActionIds = {
  // accounts
  accountName: 'account_name_input',
  accountDescription: 'account_description_input',
  accountSecretId: 'account_secret_id_input',
  accountSecretKey: 'account_secret_key_input',
  accountScope: 'account_scope_choice',
  // cluster wizard
  wizardName: 'wizard_name_input',
  wizardDescription: 'wizard_description_input',
  wizardTags: 'wizard_tags_input',
  wizardAccount: 'wizard_account_select',
  wizardAddAccount: 'wizard_add_account',
  wizardProfile: 'wizard_profile_select',
  wizardPackValues: 'wizard_pack_values',
  wizardRegion: 'wizard_region_select',
  wizardKeyPair: 'wizard_key_pair_select',
  wizardVpc: 'wizard_vpc_select',
  wizardSubnet: 'wizard_subnet_select',
  wizardEndpointAccess: 'wizard_endpoint_access_choice',
  wizardPublicCidrs: 'wizard_public_cidrs_input',
  wizardParallel: 'wizard_parallel_choice',
  wizardPoolName: 'wizard_pool_name',
  wizardPoolMin: 'wizard_pool_min',
  wizardPoolDesired: 'wizard_pool_desired',
  wizardPoolMax: 'wizard_pool_max',
  wizardPoolInstanceType: 'wizard_pool_instance_type',
  wizardPoolZones: 'wizard_pool_zones',
  wizardPoolDisk: 'wizard_pool_disk',
  wizardAddPool: 'wizard_add_pool',
  wizardRemovePool: 'wizard_remove_pool',
  wizardBack: 'wizard_back',
  wizardRetryLoad: 'wizard_retry_load',
  /** Resume prompt buttons; their value is the left draft's id. */
  wizardResumeDraft: 'wizard_resume_draft',
  wizardStartOver: 'wizard_start_over',
  // provisioning thread and overview
  clusterOverview: 'cluster_overview',
  // deletion and force delete
  /** Overview button; its value is the cluster id. */
  clusterDelete: 'cluster_delete',
  /** Force Delete Cluster button (thread and overview); its value is the cluster id. */
  clusterForceDelete: 'cluster_force_delete',
  deleteConfirmName: 'delete_confirm_name_input',
  forceDeleteConfirmName: 'force_delete_confirm_name_input',
  // expiry
  wizardExpiry: 'wizard_expiry_select',
  /** Reminder buttons; their value is the cluster id. */
  clusterExpiryExtend: 'cluster_expiry_extend',
  clusterExpiryKeep: 'cluster_expiry_keep',
  expiryChoice: 'expiry_choice_select',
  // approval (the request is the root message; each button's value is the cluster id)
  approvalApprove: 'approval_approve',
  approvalReject: 'approval_reject',
  approvalBreakGlass: 'approval_break_glass',
  approvalRejectReason: 'approval_reject_reason_input',
  // approval of a day-two change (a thread reply; each button's value is `<cluster id> <change id>`)
  changeApprovalApprove: 'change_approval_approve',
  changeApprovalReject: 'change_approval_reject_button',
  changeApprovalBreakGlass: 'change_approval_break_glass',
  // cluster access and deletion protection
  /** Get kubeconfig; its value is `<cluster id>:<private|public>`. */
  clusterKubeconfig: 'cluster_kubeconfig',
  /** Deletion protection on / off; the value is the cluster id. */
  clusterProtect: 'cluster_protect',
  clusterUnprotect: 'cluster_unprotect',
  // worker pools (day two)
  poolScaleMin: 'pool_scale_min_input',
  poolScaleDesired: 'pool_scale_desired_input',
  poolScaleMax: 'pool_scale_max_input',
  poolRemoveName: 'pool_remove_name_input',
  /** Overview button `cluster_scale_pool:<pool name>`; its value is the cluster id. */
  clusterScalePool: 'cluster_scale_pool',
  // App Home (its cluster buttons reuse the ids above)
  /** Create cluster; its value is the channel the wizard is opened for. */
  homeCreateCluster: 'home_create_cluster',
  /** Overview button "Add worker pool"; its value is the cluster id. */
  clusterAddPool: 'cluster_add_pool',
  /** "Retry the failed step" (a Failed cluster's final reply and overview); its value is the cluster id. */
  clusterRetryStep: 'cluster_retry_step',
  // Kubernetes upgrade (day two)
  upgradeVersion: 'upgrade_version_input',
  upgradeType: 'upgrade_type_input',
  upgradeMaxUnavailable: 'upgrade_max_unavailable_input',
  /** Overview button "Upgrade Kubernetes"; its value is the cluster id. */
  clusterUpgrade: 'cluster_upgrade',
  /** The upgrade approval request's buttons (a thread reply); each value is the cluster id. */
  upgradeApprove: 'upgrade_approve',
  upgradeReject: 'upgrade_reject',
  upgradeBreakGlass: 'upgrade_break_glass',
} as const;
