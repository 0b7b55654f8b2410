import { z } from 'zod';
import type {
  DescribeInstancesResponse,
  DescribeInstanceTypeConfigsResponse,
  DescribeKeyPairsResponse,
  DescribeZonesResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/v20170312/cvm_models.js';
import type { DescribeSubnetsResponse, DescribeVpcsResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_models.js';
import type { DescribeDisksResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cbs/v20170312/cbs_models.js';
import type { DescribeLoadBalancersResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/clb/v20180317/clb_models.js';
import { ApiError } from '../errors.js';
import type { ActionContext } from './define.js';
import {
  applyFilters,
  defineAction,
  filterSchema,
  isoTime,
  limitSchema,
  offsetSchema,
  page,
  spaceTime,
  stringNumberSchema,
  tagsOf,
} from './define.js';

function region(context: ActionContext) {
  const data = context.state.regionData(context.scope);
  if (!data) throw new ApiError('UnsupportedRegion', `The region \`${context.scope.region}\` is not supported.`);
  return data;
}

// ---- CVM 2017-03-12 ------------------------------------------------------------------------

export const describeKeyPairs = defineAction({
  service: 'cvm',
  action: 'DescribeKeyPairs',
  schema: z.object({
    KeyIds: z.array(z.string()).max(100).optional(),
    Filters: z.array(filterSchema).optional(),
    Offset: offsetSchema,
    Limit: limitSchema,
  }),
  handle: (context, req): DescribeKeyPairsResponse => {
    let keys = region(context).keyPairs;
    if (req.KeyIds && req.KeyIds.length > 0) keys = keys.filter((k) => req.KeyIds?.includes(k.keyId));
    keys = applyFilters(keys, req.Filters, {
      'key-id': (k, v) => k.keyId === v,
      'key-name': (k, v) => k.keyName === v,
      'project-id': (_k, v) => v === '0',
    });
    return {
      TotalCount: keys.length,
      KeyPairSet: page(keys, req.Offset, req.Limit).map((k) => ({
        KeyId: k.keyId,
        KeyName: k.keyName,
        ProjectId: 0,
        Description: '',
        PublicKey: `ssh-rsa AAAAB3NzaC1yc2E${k.keyId.replace(/[^a-z0-9]/g, '')} ${k.keyName}`,
        AssociatedInstanceIds: [...context.state.instances.values()]
          .filter((i) => i.secretId === context.scope.secretId && i.keyIds.includes(k.keyId))
          .map((i) => i.instanceId),
        CreatedTime: '2025-01-01T00:00:00Z',
        Tags: [],
      })),
    };
  },
});

export const describeZones = defineAction({
  service: 'cvm',
  action: 'DescribeZones',
  schema: z.object({}),
  handle: (context): DescribeZonesResponse => {
    const zones = region(context).zones;
    return {
      TotalCount: zones.length,
      ZoneSet: zones.map((z) => ({
        Zone: z.zone,
        ZoneName: z.name,
        ZoneId: z.zoneId,
        ZoneState: z.available ? 'AVAILABLE' : 'UNAVAILABLE',
      })),
    };
  },
});

export const describeInstanceTypeConfigs = defineAction({
  service: 'cvm',
  action: 'DescribeInstanceTypeConfigs',
  schema: z.object({ Filters: z.array(filterSchema).optional() }),
  handle: (context, req): DescribeInstanceTypeConfigsResponse => {
    const data = region(context);
    const configs = data.instanceTypes.flatMap((t) =>
      (t.zones ?? data.zones.map((z) => z.zone)).map((zone) => ({ ...t, zone })),
    );
    const selected = applyFilters(
      configs,
      req.Filters,
      {
        zone: (c, v) => c.zone === v,
        'instance-family': (c, v) => c.family === v,
        'instance-type': (c, v) => c.instanceType === v,
        'instance-charge-type': (_c, v) => v === 'POSTPAID_BY_HOUR' || v === 'PREPAID',
      },
      undefined,
      // CVM's documented limits for this action: 10 filters, one value each.
      { maxFilters: 10, maxValues: 1 },
    );
    return {
      InstanceTypeConfigSet: selected.map((c) => ({
        Zone: c.zone,
        InstanceType: c.instanceType,
        InstanceFamily: c.family,
        GPU: c.gpu,
        CPU: c.cpu,
        Memory: c.memoryGb,
        FPGA: 0,
        GpuCount: c.gpu,
      })),
    };
  },
});

export const describeInstances = defineAction({
  service: 'cvm',
  action: 'DescribeInstances',
  schema: z.object({
    InstanceIds: z.array(z.string()).max(100).optional(),
    Filters: z.array(filterSchema).optional(),
    Offset: offsetSchema,
    Limit: limitSchema,
  }),
  handle: (context, req): DescribeInstancesResponse => {
    region(context);
    if (req.InstanceIds?.length && req.Filters?.length) {
      throw new ApiError('InvalidParameter', 'InstanceIds and Filters cannot be specified together.');
    }
    const { state } = context;
    let instances = state.inScope(state.instances, context.scope);
    if (req.InstanceIds && req.InstanceIds.length > 0) instances = instances.filter((i) => req.InstanceIds?.includes(i.instanceId));
    instances = applyFilters(
      instances,
      req.Filters,
      {
        zone: (i, v) => i.zone === v,
        'instance-id': (i, v) => i.instanceId === v,
        'instance-name': (i, v) => i.name === v,
        'vpc-id': (i, v) => i.vpcId === v,
        'subnet-id': (i, v) => i.subnetId === v,
        'instance-state': (i, v) => state.instanceState(i.createdAt) === v,
      },
      (i) => i.tags,
      { maxFilters: 10, maxValues: 5 },
    );
    return {
      TotalCount: instances.length,
      InstanceSet: page(instances, req.Offset, req.Limit).map((i) => ({
        Placement: { Zone: i.zone, ProjectId: 0 },
        InstanceId: i.instanceId,
        InstanceType: i.instanceType,
        CPU: i.cpu,
        Memory: i.memoryGb,
        RestrictState: 'NORMAL',
        InstanceName: i.name,
        InstanceChargeType: 'POSTPAID_BY_HOUR',
        SystemDisk: { DiskType: state.disks.get(i.systemDiskId)?.diskType ?? 'CLOUD_PREMIUM', DiskId: i.systemDiskId, DiskSize: state.disks.get(i.systemDiskId)?.sizeGb ?? 50 },
        DataDisks: [],
        PrivateIpAddresses: [i.privateIp],
        PublicIpAddresses: [],
        VirtualPrivateCloud: { VpcId: i.vpcId, SubnetId: i.subnetId },
        ImageId: 'img-demo0001',
        RenewFlag: 'NOTIFY_AND_MANUAL_RENEW',
        CreatedTime: isoTime(i.createdAt),
        OsName: i.os,
        SecurityGroupIds: [],
        LoginSettings: { KeyIds: i.keyIds },
        InstanceState: state.instanceState(i.createdAt),
        Tags: tagsOf(i.tags),
        StopChargingMode: 'NOT_APPLICABLE',
        Uuid: i.instanceId,
        LatestOperation: 'RunInstances',
        LatestOperationState: 'SUCCESS',
        DisableApiTermination: false,
      })),
    };
  },
});

// ---- VPC 2017-03-12 ------------------------------------------------------------------------

export const describeVpcs = defineAction({
  service: 'vpc',
  action: 'DescribeVpcs',
  schema: z.object({
    VpcIds: z.array(z.string()).max(100).optional(),
    Filters: z.array(filterSchema).optional(),
    Offset: stringNumberSchema(),
    Limit: stringNumberSchema(100),
  }),
  handle: (context, req): DescribeVpcsResponse => {
    let vpcs = region(context).vpcs;
    if (req.VpcIds && req.VpcIds.length > 0) vpcs = vpcs.filter((v) => req.VpcIds?.includes(v.vpcId));
    vpcs = applyFilters(vpcs, req.Filters, {
      'vpc-id': (v, x) => v.vpcId === x,
      'vpc-name': (v, x) => v.name.includes(x),
      'is-default': (v, x) => String(v.isDefault) === x.toLowerCase(),
      'cidr-block': (v, x) => v.cidr === x,
    });
    return {
      TotalCount: vpcs.length,
      VpcSet: page(vpcs, Number(req.Offset ?? 0), Number(req.Limit ?? 20)).map((v) => ({
        VpcName: v.name,
        VpcId: v.vpcId,
        CidrBlock: v.cidr,
        IsDefault: v.isDefault,
        EnableMulticast: false,
        CreatedTime: '2025-01-01 00:00:00',
        DnsServerSet: ['183.60.83.19', '183.60.82.98'],
        DomainName: '',
        EnableDhcp: true,
        TagSet: [],
        AssistantCidrSet: [],
      })),
    };
  },
});

export const describeSubnets = defineAction({
  service: 'vpc',
  action: 'DescribeSubnets',
  schema: z.object({
    SubnetIds: z.array(z.string()).max(100).optional(),
    Filters: z.array(filterSchema).optional(),
    Offset: stringNumberSchema(),
    Limit: stringNumberSchema(100),
  }),
  handle: (context, req): DescribeSubnetsResponse => {
    let subnets = region(context).vpcs.flatMap((v) => v.subnets.map((s) => ({ ...s, vpcId: v.vpcId, isDefault: v.isDefault })));
    if (req.SubnetIds && req.SubnetIds.length > 0) subnets = subnets.filter((s) => req.SubnetIds?.includes(s.subnetId));
    subnets = applyFilters(subnets, req.Filters, {
      'vpc-id': (s, x) => s.vpcId === x,
      'subnet-id': (s, x) => s.subnetId === x,
      'subnet-name': (s, x) => s.name.includes(x),
      zone: (s, x) => s.zone === x,
      'cidr-block': (s, x) => s.cidr === x,
    });
    return {
      TotalCount: subnets.length,
      SubnetSet: page(subnets, Number(req.Offset ?? 0), Number(req.Limit ?? 20)).map((s) => ({
        VpcId: s.vpcId,
        SubnetId: s.subnetId,
        SubnetName: s.name,
        CidrBlock: s.cidr,
        IsDefault: s.isDefault,
        EnableBroadcast: false,
        Zone: s.zone,
        RouteTableId: `rtb-${s.vpcId.slice(4)}`,
        CreatedTime: '2025-01-01 00:00:00',
        AvailableIpAddressCount: 4000,
        TotalIpAddressCount: 4093,
        TagSet: [],
      })),
    };
  },
});

// ---- CBS 2017-03-12 ------------------------------------------------------------------------

export const describeDisks = defineAction({
  service: 'cbs',
  action: 'DescribeDisks',
  schema: z.object({
    Filters: z.array(filterSchema).optional(),
    Limit: limitSchema,
    OrderField: z.string().optional(),
    Offset: offsetSchema,
    ReturnBindAutoSnapshotPolicy: z.boolean().optional(),
    DiskIds: z.array(z.string()).max(100).optional(),
    Order: z.enum(['ASC', 'DESC']).optional(),
  }),
  handle: (context, req): DescribeDisksResponse => {
    region(context);
    if (req.DiskIds?.length && req.Filters?.length) {
      throw new ApiError('InvalidParameter', 'DiskIds and Filters cannot be specified together.');
    }
    const { state } = context;
    let disks = state.inScope(state.disks, context.scope);
    if (req.DiskIds && req.DiskIds.length > 0) disks = disks.filter((d) => req.DiskIds?.includes(d.diskId));
    disks = applyFilters(
      disks,
      req.Filters,
      {
        'disk-id': (d, v) => d.diskId === v,
        'disk-name': (d, v) => d.name === v,
        'disk-usage': (d, v) => d.usage === v,
        'disk-type': (d, v) => d.diskType === v,
        'instance-id': (d, v) => d.instanceId === v,
        zone: (d, v) => d.zone === v,
      },
      (d) => d.tags,
    );
    return {
      TotalCount: disks.length,
      DiskSet: page(disks, req.Offset, req.Limit).map((d) => {
        const attached = d.instanceId !== undefined && state.instances.has(d.instanceId);
        return {
          DiskId: d.diskId,
          DiskName: d.name,
          DiskType: d.diskType,
          DiskUsage: d.usage,
          DiskSize: d.sizeGb,
          DiskState: attached ? 'ATTACHED' : 'UNATTACHED',
          Attached: attached,
          InstanceId: attached ? d.instanceId : '',
          DiskChargeType: 'POSTPAID_BY_HOUR',
          DeleteWithInstance: d.usage === 'SYSTEM_DISK',
          Portable: d.usage === 'DATA_DISK',
          Placement: { Zone: d.zone, ProjectId: 0 },
          Tags: tagsOf(d.tags),
          CreateTime: spaceTime(d.createdAt),
          Encrypt: false,
          Shareable: false,
        };
      }),
    };
  },
});

// ---- CLB 2018-03-17 ------------------------------------------------------------------------

export const describeLoadBalancers = defineAction({
  service: 'clb',
  action: 'DescribeLoadBalancers',
  schema: z.object({
    LoadBalancerIds: z.array(z.string()).max(20).optional(),
    LoadBalancerType: z.enum(['OPEN', 'INTERNAL']).optional(),
    LoadBalancerName: z.string().optional(),
    Offset: offsetSchema,
    Limit: limitSchema,
    VpcId: z.string().optional(),
    Filters: z.array(filterSchema).max(10).optional(),
  }),
  handle: (context, req): DescribeLoadBalancersResponse => {
    region(context);
    const { state } = context;
    let lbs = state.inScope(state.loadBalancers, context.scope);
    if (req.LoadBalancerIds && req.LoadBalancerIds.length > 0) lbs = lbs.filter((lb) => req.LoadBalancerIds?.includes(lb.loadBalancerId));
    if (req.LoadBalancerType) lbs = lbs.filter((lb) => lb.type === req.LoadBalancerType);
    if (req.LoadBalancerName) lbs = lbs.filter((lb) => lb.name.includes(req.LoadBalancerName ?? ''));
    if (req.VpcId) lbs = lbs.filter((lb) => lb.vpcId === req.VpcId);
    lbs = applyFilters(
      lbs,
      req.Filters,
      { 'load-balancer-id': (lb, v) => lb.loadBalancerId === v, 'vpc-id': (lb, v) => lb.vpcId === v },
      (lb) => lb.tags,
      { maxValues: 100 },
    );
    return {
      TotalCount: lbs.length,
      LoadBalancerSet: page(lbs, req.Offset, req.Limit).map((lb) => ({
        LoadBalancerId: lb.loadBalancerId,
        LoadBalancerName: lb.name,
        LoadBalancerType: lb.type,
        Forward: 1,
        LoadBalancerVips: [lb.vip],
        Status: state.elapsedSince(lb.createdAt) >= state.timings.endpointCreateMs ? 1 : 0,
        CreateTime: spaceTime(lb.createdAt),
        ProjectId: 0,
        VpcId: lb.vpcId,
        SubnetId: lb.subnetId ?? '',
        Tags: lb.tags.map((t) => ({ TagKey: t.key, TagValue: t.value })),
        AddressIPVersion: 'ipv4',
        ChargeType: 'POSTPAID_BY_HOUR',
        ClusterIds: [],
        AttributeFlags: [],
      })),
    };
  },
});
