// The blocklist of common passwords, built once per process. Not imported by the web client: the
// browser fetches the same keys as a separate, cached asset (src/web/build.ts, client/blocklist.ts).
import { dictionary } from "@zxcvbn-ts/language-common";
import { type Blocklist, blocklistToText, buildBlocklist } from "./password-blocklist.ts";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/**
 * Iranian additions to zxcvbn-ts's 49,233 most common passwords (language-common 4.1.3, from leaked
 * password lists): the service's own names (NIST's context-specific words), and the bases Persian
 * speakers most often build passwords on, in their usual Latin spellings: religious phrases, cities
 * and football clubs, endearments, and the commonest first names.
 */
export const PERSIAN_COMMON_PASSWORDS: readonly string[] = [
  // the service
  ...words(`
    tamin taminejtemaei taminejtemaee taminejtemai sazmantamin hoviat hoviyat samane samaneh
    sabtenam ramzeobur ramzobur gozarvazheh gozarvaje password
  `),
  // phrases
  ...words(`
    yaali yahossein yahosein yazahra yamahdi yaabalfazl yaabolfazl yareza yahagh allah allahakbar
    khoda khodaya bismillah salam salaam khodahafez merci mamnoon dooset doostet doosetdaram
    doostdaram asheghetam ashegham eshgh eshgham eshghe azizam azizeman nafasam ghalbam joonam jooni
    jigar khoshgel zendegi zendegim omidam delam delbar mamanam babam madar pedar maman baba
  `),
  // country, cities, clubs
  ...words(`
    iran irani iranian iranam persia persian parsi farsi tehran tehrani esfahan isfahan shiraz
    tabriz mashhad karaj ghom kerman ahvaz rasht yazd kish esteghlal perspolis persepolis pirooz
    sepahan tractor teraktor
  `),
  // names, commonest first
  ...words(`
    mohammad mohamad mamad mammad ali alireza mohammadreza hossein hosein hosseini hasan hassan reza
    mahdi mehdi amir amirhossein abolfazl abbas ahmad akbar hamid hamidreza hamed majid vahid navid
    omid amin milad mobin hadi javad mojtaba mostafa morteza saeed saeid said farhad arash babak
    behnam behzad kamran kourosh koorosh dariush daryoush rostam sohrab shahram shahab hesam pouya
    pooya sina sadegh mehran mohsen masoud masood mehrdad ehsan iman peyman payam arman armin aria
    ariya parsa yasin sajad sajjad zahra fatemeh fateme maryam zeinab zeynab narges setareh setare
    baran bahar shadi asal sahar mina hasti yasaman yasi parastoo parisa shirin nazanin negin mahsa
    sara sarah elham elnaz leila leyla mahtab mitra nasrin somayeh samira samin fereshteh nilofar
    niloofar roya ronak atena azadeh azar golnaz golnar hanieh kimia mobina helia ghazal tina ava
    khorshid darya daryaa shabnam mahnaz
  `),
];

let cached: Blocklist | undefined;

/** zxcvbn-ts's common passwords and the Iranian additions, as blocklist keys. */
export function commonPasswords(): Blocklist {
  cached ??= buildBlocklist([...dictionary["passwords-common"], ...PERSIAN_COMMON_PASSWORDS]);
  return cached;
}

/** The same keys as text, one a line, for the browser. */
export function commonPasswordsText(): string {
  return blocklistToText(commonPasswords());
}
