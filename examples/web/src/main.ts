// Lists a network's members and a place's partners:
//   node dist/main.js [endpoint] [network-slug] [city-slug]
import { Citynet } from "./citynet.js";

const [
  endpoint = "http://127.0.0.1:8000/graphql",
  network = "international-city-network-for-crisis-management",
  city = "rostock",
] = process.argv.slice(2);
const citynet = new Citynet(endpoint);

const members = await citynet.networkMembers(network);
if (!members) {
  console.error(`no network ${network}`);
  process.exit(1);
}
console.log(`${members.name}: ${members.totalCount} members`);
for (const member of members.members) {
  console.log(`  ${member.name} (${member.countryCode ?? "?"})`);
}

const partners = await citynet.cityPartners(city);
if (!partners) {
  console.error(`no place ${city}`);
  process.exit(1);
}
console.log(`${partners.name} shares networks with ${partners.totalCount} places; the closest:`);
for (const partner of partners.partners.slice(0, 10)) {
  const shared = partner.sharedNetworks.map((network) => network.name).join(", ");
  console.log(`  ${partner.city.name}: ${partner.sharedNetworkCount} (${shared})`);
}
