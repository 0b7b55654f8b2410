/**
 * Display names of Tencent Cloud regions. TKE's DescribeRegions returns only ids and short
 * aliases, so the gateway names the regions it knows and falls back to the id.
 */
const REGION_NAMES: Record<string, string> = {
  'ap-guangzhou': 'South China (Guangzhou)',
  'ap-shenzhen-fsi': 'South China (Shenzhen Finance)',
  'ap-shanghai': 'East China (Shanghai)',
  'ap-shanghai-fsi': 'East China (Shanghai Finance)',
  'ap-nanjing': 'East China (Nanjing)',
  'ap-beijing': 'North China (Beijing)',
  'ap-chengdu': 'Southwest China (Chengdu)',
  'ap-chongqing': 'Southwest China (Chongqing)',
  'ap-hongkong': 'Hong Kong, China',
  'ap-singapore': 'Southeast Asia (Singapore)',
  'ap-bangkok': 'Southeast Asia (Bangkok)',
  'ap-jakarta': 'Southeast Asia (Jakarta)',
  'ap-tokyo': 'Northeast Asia (Tokyo)',
  'ap-seoul': 'Northeast Asia (Seoul)',
  'ap-mumbai': 'South Asia (Mumbai)',
  'na-siliconvalley': 'US West (Silicon Valley)',
  'na-ashburn': 'US East (Virginia)',
  'eu-frankfurt': 'Europe (Frankfurt)',
  'sa-saopaulo': 'South America (São Paulo)',
};

export const regionDisplayName = (region: string): string => REGION_NAMES[region] ?? region;
